package dev.moesaic.router.placement;

import java.util.Arrays;

/**
 * Where one MoE layer's logical experts live: {@code deviceCount x slotsPerDevice} physical slots,
 * numbered device by device (global slot {@code g} is slot {@code g % slotsPerDevice} of device
 * {@code g / slotsPerDevice}, the order EPLB's {@code phy2log} uses). Each slot holds one logical
 * expert or is {@link #EMPTY}; every logical expert has at least one replica. Immutable.
 */
public final class LayerPlacement {
    /** Marks a slot that holds no expert. */
    public static final int EMPTY = -1;

    private final int deviceCount;
    private final int slotsPerDevice;
    private final int expertCount;
    private final int[] slotExpert;
    // replicas of expert e: replicaSlots[replicaStart[e] .. replicaStart[e + 1]), ascending global slots
    private final int[] replicaStart;
    private final int[] replicaSlots;

    private LayerPlacement(int deviceCount, int slotsPerDevice, int expertCount, int[] slotExpert) {
        this.deviceCount = deviceCount;
        this.slotsPerDevice = slotsPerDevice;
        this.expertCount = expertCount;
        this.slotExpert = slotExpert;
        this.replicaStart = new int[expertCount + 1];
        int used = 0;
        for (int expert : slotExpert) {
            if (expert != EMPTY) {
                replicaStart[expert + 1]++;
                used++;
            }
        }
        for (int e = 0; e < expertCount; e++) {
            replicaStart[e + 1] += replicaStart[e];
        }
        this.replicaSlots = new int[used];
        int[] next = Arrays.copyOf(replicaStart, expertCount);
        for (int g = 0; g < slotExpert.length; g++) {
            if (slotExpert[g] != EMPTY) {
                replicaSlots[next[slotExpert[g]]++] = g;
            }
        }
    }

    /**
     * A layer from its slot table (global slot -> logical expert or {@link #EMPTY}); the array is copied.
     *
     * @throws InvalidPlacementException when the table has the wrong size, names an unknown expert or
     *                                   leaves an expert without a replica
     */
    public static LayerPlacement of(int deviceCount, int slotsPerDevice, int expertCount, int[] slotExperts) {
        if (deviceCount < 1 || slotsPerDevice < 1 || expertCount < 1) {
            throw new InvalidPlacementException("need deviceCount, slotsPerDevice and expertCount >= 1, got "
                    + deviceCount + ", " + slotsPerDevice + ", " + expertCount);
        }
        long slots = (long) deviceCount * slotsPerDevice;
        if (slotExperts.length != slots) {
            throw new InvalidPlacementException("slot table has " + slotExperts.length + " entries but "
                    + deviceCount + " devices x " + slotsPerDevice + " slots = " + slots);
        }
        boolean[] placed = new boolean[expertCount];
        for (int g = 0; g < slotExperts.length; g++) {
            int e = slotExperts[g];
            if (e == EMPTY) {
                continue;
            }
            if (e < 0 || e >= expertCount) {
                throw new InvalidPlacementException("slot " + g + " (device " + g / slotsPerDevice + ", slot "
                        + g % slotsPerDevice + ") holds expert " + e + ", outside [0, " + expertCount
                        + "); use " + EMPTY + " for an empty slot");
            }
            placed[e] = true;
        }
        for (int e = 0; e < expertCount; e++) {
            if (!placed[e]) {
                throw new InvalidPlacementException("logical expert " + e + " has no replica in "
                        + Arrays.toString(slotExperts) + ": every expert needs at least one slot");
            }
        }
        return new LayerPlacement(deviceCount, slotsPerDevice, expertCount, slotExperts.clone());
    }

    public int deviceCount() {
        return deviceCount;
    }

    public int slotsPerDevice() {
        return slotsPerDevice;
    }

    public int expertCount() {
        return expertCount;
    }

    /** deviceCount x slotsPerDevice. */
    public int physicalSlotCount() {
        return slotExpert.length;
    }

    /** The logical expert in a global slot, or {@link #EMPTY}. */
    public int expertAt(int globalSlot) {
        return slotExpert[globalSlot];
    }

    public int expertAt(int device, int slotOnDevice) {
        return slotExpert[globalSlot(device, slotOnDevice)];
    }

    public int globalSlot(int device, int slotOnDevice) {
        return device * slotsPerDevice + slotOnDevice;
    }

    public int deviceOf(int globalSlot) {
        return globalSlot / slotsPerDevice;
    }

    public int slotOnDevice(int globalSlot) {
        return globalSlot % slotsPerDevice;
    }

    public PhysicalSlot slot(int globalSlot) {
        return new PhysicalSlot(deviceOf(globalSlot), slotOnDevice(globalSlot), slotExpert[globalSlot]);
    }

    /** How many physical copies of a logical expert this layer holds (>= 1). */
    public int replicaCount(int expert) {
        return replicaStart[expert + 1] - replicaStart[expert];
    }

    /** The global slot of replica {@code r} of {@code expert}; replicas are ordered by global slot. */
    public int replica(int expert, int r) {
        return replicaSlots[replicaStart[expert] + r];
    }

    /** The highest replica count of any expert. */
    public int maxReplicaCount() {
        int max = 0;
        for (int e = 0; e < expertCount; e++) {
            max = Math.max(max, replicaCount(e));
        }
        return max;
    }

    /** A copy of the slot table: global slot -> logical expert (EPLB's {@code phy2log}). */
    public int[] slotExperts() {
        return slotExpert.clone();
    }

    /** Global slots holding the expert, ascending (EPLB's {@code log2phy} row). */
    public int[] replicas(int expert) {
        return Arrays.copyOfRange(replicaSlots, replicaStart[expert], replicaStart[expert + 1]);
    }

    /** Replica count per logical expert (EPLB's {@code logcnt}). */
    public int[] replicaCounts() {
        int[] counts = new int[expertCount];
        for (int e = 0; e < expertCount; e++) {
            counts[e] = replicaCount(e);
        }
        return counts;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerPlacement p && p.deviceCount == deviceCount && p.slotsPerDevice == slotsPerDevice
                && p.expertCount == expertCount && Arrays.equals(p.slotExpert, slotExpert);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(slotExpert) * 31 + deviceCount;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int d = 0; d < deviceCount; d++) {
            sb.append(d == 0 ? "" : " | ");
            for (int s = 0; s < slotsPerDevice; s++) {
                sb.append(s == 0 ? "" : ",").append(expertAt(d, s));
            }
        }
        return sb.append(']').toString();
    }
}
