package dev.moesaic.router.planner;

import dev.moesaic.router.placement.LayerPlacement;

/**
 * The planners' load model: an expert's load splits evenly over its replicas, and a device carries
 * the shares of the replicas in its slots. (The ALF-LB balancer later routes around this average.)
 */
public final class ExpectedLoads {
    private ExpectedLoads() {
    }

    /** Expected load per device of one layer. */
    public static double[] perDevice(LayerPlacement layer, double[] expertLoads) {
        return perDevice(layer.slotExperts(), layer.deviceCount(), layer.slotsPerDevice(), expertLoads);
    }

    /** The same for a raw slot table (global slot -> expert or {@link LayerPlacement#EMPTY}). */
    public static double[] perDevice(int[] slotExperts, int deviceCount, int slotsPerDevice, double[] expertLoads) {
        int[] count = new int[expertLoads.length];
        for (int e : slotExperts) {
            if (e != LayerPlacement.EMPTY) {
                count[e]++;
            }
        }
        double[] device = new double[deviceCount];
        for (int g = 0; g < slotExperts.length; g++) {
            int e = slotExperts[g];
            if (e != LayerPlacement.EMPTY) {
                device[g / slotsPerDevice] += expertLoads[e] / count[e];
            }
        }
        return device;
    }

    /** The largest expected device load of one layer. */
    public static double maxDevice(LayerPlacement layer, double[] expertLoads) {
        return max(perDevice(layer, expertLoads));
    }

    /** The largest load per replica of any expert, {@code max_e load_e / replicas_e}. */
    public static double maxPerReplica(LayerPlacement layer, double[] expertLoads) {
        double m = 0;
        for (int e = 0; e < expertLoads.length; e++) {
            m = Math.max(m, expertLoads[e] / layer.replicaCount(e));
        }
        return m;
    }

    static double max(double[] values) {
        double m = 0;
        for (double v : values) {
            m = Math.max(m, v);
        }
        return m;
    }
}
