package dev.moesaic.router.stats;

import java.util.Arrays;

/**
 * Per-iteration load counters: tokens per (layer, expert) and assignments per (layer, device), an
 * exponential moving average of the expert counts for the planner, and MaxVio over experts and over
 * devices. The engine records during an iteration and calls {@link #endIteration()}; metrics read
 * {@link #snapshot()} from any thread (an immutable value published at iteration end).
 */
public final class LoadStatistics {
    /** Default EMA weight of the newest iteration: about a 100-iteration memory. */
    public static final double DEFAULT_AVERAGE_WEIGHT = 0.01;

    private final int layers;
    private final int experts;
    private final double weight;
    private final int[][] expertCounts;
    private final int[][] deviceLoads;
    private final double[][] average;
    private long iterations;
    private volatile LoadSnapshot snapshot = LoadSnapshot.EMPTY;

    /**
     * @param averageWeight weight of the newest iteration in the moving average, in (0, 1]
     */
    public LoadStatistics(int layers, int experts, double averageWeight) {
        if (layers < 1 || experts < 1) {
            throw new IllegalArgumentException("need >= 1 layer and >= 1 expert, got " + layers + " and " + experts);
        }
        if (!(averageWeight > 0 && averageWeight <= 1)) {
            throw new IllegalArgumentException("averageWeight must be in (0, 1], got " + averageWeight);
        }
        this.layers = layers;
        this.experts = experts;
        this.weight = averageWeight;
        this.expertCounts = new int[layers][experts];
        this.deviceLoads = new int[layers][0];
        this.average = new double[layers][experts];
    }

    public LoadStatistics(int layers, int experts) {
        this(layers, experts, DEFAULT_AVERAGE_WEIGHT);
    }

    /** Counts the gate's output {@code routedExperts[0..count)} (T*K expert ids) for a layer. */
    public synchronized void recordRouting(int layer, int[] routedExperts, int count) {
        int[] c = expertCounts[layer];
        for (int i = 0; i < count; i++) {
            int e = routedExperts[i];
            if (e < 0 || e >= experts) {
                throw new IllegalArgumentException("routed expert " + e + " at " + i + " of layer " + layer
                        + " is outside 0.." + (experts - 1));
            }
            c[e]++;
        }
    }

    /** Adds per-device assignment counts ({@code loads[0..deviceCount)}) for a layer. */
    public synchronized void recordDeviceLoads(int layer, int[] loads, int deviceCount) {
        int[] d = deviceLoads[layer];
        if (d.length != deviceCount) {
            d = Arrays.copyOf(d, deviceCount);
            deviceLoads[layer] = d;
        }
        for (int i = 0; i < deviceCount; i++) {
            d[i] += loads[i];
        }
    }

    /** Closes the iteration: folds the counts into the moving average, publishes a snapshot, resets the counters. */
    public synchronized LoadSnapshot endIteration() {
        iterations++;
        double[] vioExperts = new double[layers];
        double[] vioDevices = new double[layers];
        int[][] counts = new int[layers][];
        int[][] devices = new int[layers][];
        double[][] avg = new double[layers][];
        for (int l = 0; l < layers; l++) {
            for (int e = 0; e < experts; e++) {
                // the first iteration seeds the average instead of decaying from zero
                average[l][e] = iterations == 1 ? expertCounts[l][e]
                        : (1 - weight) * average[l][e] + weight * expertCounts[l][e];
            }
            vioExperts[l] = MaxVio.of(expertCounts[l]);
            vioDevices[l] = MaxVio.of(deviceLoads[l]);
            counts[l] = expertCounts[l].clone();
            devices[l] = deviceLoads[l].clone();
            avg[l] = average[l].clone();
            Arrays.fill(expertCounts[l], 0);
            Arrays.fill(deviceLoads[l], 0);
        }
        LoadSnapshot s = new LoadSnapshot(iterations, counts, devices, avg, vioExperts, vioDevices);
        snapshot = s;
        return s;
    }

    /** The statistics as of the last completed iteration. */
    public LoadSnapshot snapshot() {
        return snapshot;
    }

    /** A copy of the moving average [layer][expert], the planner's input. */
    public synchronized double[][] expertLoadAverage() {
        double[][] copy = new double[layers][];
        for (int l = 0; l < layers; l++) {
            copy[l] = average[l].clone();
        }
        return copy;
    }
}
