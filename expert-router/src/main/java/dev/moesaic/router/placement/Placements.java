package dev.moesaic.router.placement;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Ready-made placements: the static layouts a model starts with and random ones for invariance tests. */
public final class Placements {
    private Placements() {
    }

    /** Slots each device needs so that {@code experts} fit on {@code devices} without replicas. */
    public static int minSlotsPerDevice(int experts, int devices) {
        return Math.ceilDiv(experts, devices);
    }

    /** Expert e on device e mod D, slot e / D; no replicas, the last slots may stay empty. */
    public static Placement roundRobin(int layers, int experts, int devices) {
        return roundRobin(layers, experts, devices, minSlotsPerDevice(experts, devices));
    }

    /** {@link #roundRobin(int, int, int)} with {@code slotsPerDevice} slots (the extra ones empty). */
    public static Placement roundRobin(int layers, int experts, int devices, int slotsPerDevice) {
        checkFits(experts, devices, slotsPerDevice);
        int[] table = emptyTable(devices, slotsPerDevice);
        for (int e = 0; e < experts; e++) {
            table[(e % devices) * slotsPerDevice + e / devices] = e;
        }
        return sameForAllLayers(layers, experts, devices, slotsPerDevice, table);
    }

    /** Experts in contiguous blocks: device d holds experts [d*S, (d+1)*S) with S = ceil(E / D). */
    public static Placement contiguous(int layers, int experts, int devices) {
        int slotsPerDevice = minSlotsPerDevice(experts, devices);
        int[] table = emptyTable(devices, slotsPerDevice);
        for (int e = 0; e < experts; e++) {
            table[e] = e;
        }
        return sameForAllLayers(layers, experts, devices, slotsPerDevice, table);
    }

    /**
     * A random layout per layer: every expert in one random slot, then {@code extraReplicas} further
     * random slots each holding a random expert (a replica), the rest empty. Reproducible from the seed.
     */
    public static Placement random(int layers, int experts, int devices, int slotsPerDevice, int extraReplicas,
                                   long seed) {
        checkFits(experts, devices, slotsPerDevice);
        int slots = devices * slotsPerDevice;
        if (extraReplicas < 0 || experts + extraReplicas > slots) {
            throw new IllegalArgumentException("extraReplicas=" + extraReplicas + " does not fit: " + experts
                    + " experts leave " + (slots - experts) + " free slots");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] tables = new int[layers][];
        for (int l = 0; l < layers; l++) {
            int[] order = shuffledSlots(slots, rnd);
            int[] table = emptyTable(devices, slotsPerDevice);
            for (int i = 0; i < experts; i++) {
                table[order[i]] = i;
            }
            for (int i = experts; i < experts + extraReplicas; i++) {
                table[order[i]] = rnd.nextInt(experts);
            }
            tables[l] = table;
        }
        return Placement.of(0, devices, slotsPerDevice, experts, tables);
    }

    private static int[] shuffledSlots(int slots, SplittableRandom rnd) {
        int[] order = new int[slots];
        for (int i = 0; i < slots; i++) {
            order[i] = i;
        }
        for (int i = slots - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static int[] emptyTable(int devices, int slotsPerDevice) {
        int[] table = new int[devices * slotsPerDevice];
        Arrays.fill(table, LayerPlacement.EMPTY);
        return table;
    }

    private static Placement sameForAllLayers(int layers, int experts, int devices, int slotsPerDevice, int[] table) {
        int[][] tables = new int[layers][];
        Arrays.fill(tables, table);
        return Placement.of(0, devices, slotsPerDevice, experts, tables);
    }

    private static void checkFits(int experts, int devices, int slotsPerDevice) {
        if (devices < 1 || experts < 1) {
            throw new IllegalArgumentException("need >= 1 device and >= 1 expert, got " + devices + " and " + experts);
        }
        if ((long) devices * slotsPerDevice < experts) {
            throw new IllegalArgumentException(experts + " experts do not fit on " + devices + " devices x "
                    + slotsPerDevice + " slots: use at least " + minSlotsPerDevice(experts, devices) + " slots per device");
        }
    }
}
