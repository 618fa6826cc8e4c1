package dev.moesaic.router.stats;

/**
 * Load statistics after an iteration, for metrics and the planner. Arrays are copies owned by the
 * snapshot; do not modify them.
 *
 * @param iterations         iterations recorded so far
 * @param expertCounts       [layer][expert] tokens routed in the last iteration
 * @param deviceLoads        [layer][device] assignments run per device in the last iteration (empty when not recorded)
 * @param expertLoadAverage  [layer][expert] exponential moving average of the expert counts
 * @param maxVioExperts      [layer] MaxVio over experts in the last iteration
 * @param maxVioDevices      [layer] MaxVio over devices in the last iteration
 */
public record LoadSnapshot(long iterations, int[][] expertCounts, int[][] deviceLoads, double[][] expertLoadAverage,
                           double[] maxVioExperts, double[] maxVioDevices) {

    public static final LoadSnapshot EMPTY = new LoadSnapshot(0, new int[0][], new int[0][], new double[0][],
            new double[0], new double[0]);

    /** Mean over layers of MaxVio over devices in the last iteration. */
    public double meanMaxVioDevices() {
        return mean(maxVioDevices);
    }

    /** Mean over layers of MaxVio over experts in the last iteration. */
    public double meanMaxVioExperts() {
        return mean(maxVioExperts);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? 0 : s / v.length;
    }
}
