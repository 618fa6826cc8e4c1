package dev.moesaic.router.dispatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One layer's physical work for one iteration: per device, the groups of (slot on device, logical
 * expert, assignment indices), where assignment index {@code i = t * K + k} is token t's k-th
 * expert. Devices are listed in order, groups by slot, indices ascending, so a run over the plan is
 * reproducible. A reusable buffer: {@link Dispatcher} refills it every layer without allocating
 * once it has grown to the largest batch; read it before the next dispatch into it.
 *
 * <p>The engine runs each device's groups in parallel and combines token t's outputs over
 * k = 0..K-1 in that fixed order, so the result never depends on which replica did the work.
 */
public final class DispatchPlan {
    /** A group of work as a value, for callers that prefer objects over index arithmetic. */
    public record SlotWork(int slotOnDevice, int logicalExpert, int[] assignments) {
    }

    long epoch;
    int layer;
    int deviceCount;
    int tokenCount;
    int expertsPerToken;
    int groupCount;

    int[] chosenSlot = new int[0];      // per assignment: global slot
    int[] deviceLoad = new int[0];      // per device: assignments
    int[] deviceGroupStart = new int[1]; // per device: first group (deviceCount + 1 entries)
    int[] groupSlot = new int[0];       // per group: slot on device
    int[] groupExpert = new int[0];     // per group: logical expert
    int[] groupStart = new int[1];      // per group: first position in order (groupCount + 1 entries)
    int[] order = new int[0];           // assignment indices grouped
    int[] slotCount = new int[0];       // scratch: assignments per global slot
    int slotsPerDevice;

    void ensureCapacity(int assignments, int devices, int physicalSlots) {
        if (chosenSlot.length < assignments) {
            chosenSlot = new int[assignments];
            order = new int[assignments];
        }
        if (deviceLoad.length < devices) {
            deviceLoad = new int[devices];
            deviceGroupStart = new int[devices + 1];
        }
        if (slotCount.length < physicalSlots) {
            slotCount = new int[physicalSlots];
            groupSlot = new int[physicalSlots];
            groupExpert = new int[physicalSlots];
            groupStart = new int[physicalSlots + 1];
        }
    }

    /** The placement epoch this plan was made for. */
    public long epoch() {
        return epoch;
    }

    public int layer() {
        return layer;
    }

    public int deviceCount() {
        return deviceCount;
    }

    public int tokenCount() {
        return tokenCount;
    }

    public int expertsPerToken() {
        return expertsPerToken;
    }

    public int assignmentCount() {
        return tokenCount * expertsPerToken;
    }

    /** Assignments that run on a device. */
    public int deviceLoad(int device) {
        return deviceLoad[device];
    }

    /** Groups (distinct slots with work) on a device. */
    public int groupCount(int device) {
        return deviceGroupStart[device + 1] - deviceGroupStart[device];
    }

    public int slotOnDevice(int device, int group) {
        return groupSlot[deviceGroupStart[device] + group];
    }

    public int logicalExpert(int device, int group) {
        return groupExpert[deviceGroupStart[device] + group];
    }

    /** Number of assignments in a group. */
    public int assignmentCount(int device, int group) {
        int g = deviceGroupStart[device] + group;
        return groupStart[g + 1] - groupStart[g];
    }

    /** The i-th assignment index ({@code t * K + k}) of a group. */
    public int assignment(int device, int group, int i) {
        return order[groupStart[deviceGroupStart[device] + group] + i];
    }

    /**
     * The backing array of all groups' assignment indices; a group's are at
     * {@code [assignmentsFrom(d, g), assignmentsFrom(d, g) + assignmentCount(d, g))}. Read only.
     */
    public int[] assignmentIndices() {
        return order;
    }

    public int assignmentsFrom(int device, int group) {
        return groupStart[deviceGroupStart[device] + group];
    }

    /** Device that runs assignment {@code t * K + k}. */
    public int deviceOf(int assignment) {
        return chosenSlot[assignment] / slotsPerDevice;
    }

    /** Slot (on its device) that runs assignment {@code t * K + k}. */
    public int slotOf(int assignment) {
        return chosenSlot[assignment] % slotsPerDevice;
    }

    /** A device's groups as values (allocates: for tests and simple callers). */
    public List<SlotWork> work(int device) {
        List<SlotWork> list = new ArrayList<>(groupCount(device));
        for (int g = 0; g < groupCount(device); g++) {
            int from = assignmentsFrom(device, g);
            list.add(new SlotWork(slotOnDevice(device, g), logicalExpert(device, g),
                    Arrays.copyOfRange(order, from, from + assignmentCount(device, g))));
        }
        return list;
    }
}
