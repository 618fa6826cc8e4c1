package dev.moesaic.router.bench;

import java.util.SplittableRandom;

/**
 * Synthetic MoE routing with skewed, drifting expert popularity. In each layer the expert at
 * popularity rank r (0-based) has weight {@code 1 / (r + 1)^s}; every {@code driftEvery} iterations
 * two experts at neighbouring ranks trade places, so popularity drifts gradually and over a long
 * run hot experts cool down and cold ones heat up.
 * A token picks k distinct experts by sampling without replacement in proportion to the weights
 * (the same distribution as top-k of Gumbel-perturbed log-weights). Reproducible from the seed.
 */
final class DriftingZipfWorkload {
    private final int layers;
    private final int experts;
    private final int expertsPerToken;
    private final int driftEvery;
    private final SplittableRandom rnd;
    private final int[][] expertAtRank;
    private final double[] cumulative;
    private long iteration;

    DriftingZipfWorkload(int layers, int experts, int expertsPerToken, double exponent, int driftEvery, long seed) {
        this.layers = layers;
        this.experts = experts;
        this.expertsPerToken = expertsPerToken;
        this.driftEvery = driftEvery;
        this.rnd = new SplittableRandom(seed);
        this.cumulative = new double[experts];
        double sum = 0;
        for (int r = 0; r < experts; r++) {
            sum += 1 / Math.pow(r + 1, exponent);
            cumulative[r] = sum;
        }
        this.expertAtRank = new int[layers][];
        for (int l = 0; l < layers; l++) {
            expertAtRank[l] = shuffled(experts);
        }
    }

    /** Advances one iteration (drifting popularity when due). */
    void nextIteration() {
        iteration++;
        if (driftEvery > 0 && iteration % driftEvery == 0) {
            for (int l = 0; l < layers; l++) {
                int hot = rnd.nextInt(experts - 1);
                int other = hot + 1;
                int t = expertAtRank[l][hot];
                expertAtRank[l][hot] = expertAtRank[l][other];
                expertAtRank[l][other] = t;
            }
        }
    }

    /** Routes {@code tokens} tokens of a layer into {@code out[t * k + j]}. */
    void route(int layer, int tokens, int[] out) {
        double[] cdf = cumulative;
        double total = cdf[experts - 1];
        int k = expertsPerToken;
        for (int t = 0; t < tokens; t++) {
            int base = t * k;
            for (int j = 0; j < k; j++) {
                int e;
                do {
                    e = expertAtRank[layer][search(cdf, rnd.nextDouble() * total)];
                } while (contains(out, base, base + j, e));
                out[base + j] = e;
            }
        }
    }

    private static boolean contains(int[] a, int from, int to, int v) {
        for (int i = from; i < to; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }

    private static int search(double[] cdf, double x) {
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] > x) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private int[] shuffled(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int x = p[i];
            p[i] = p[j];
            p[j] = x;
        }
        return p;
    }
}
