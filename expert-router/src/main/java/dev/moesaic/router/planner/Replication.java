package dev.moesaic.router.planner;

/**
 * EPLB's replication step: the first n physical experts are the n logical ones; each further
 * physical slot goes to the logical expert with the highest load per replica so far (ties: lower
 * index). This greedy minimises the heaviest per-replica load for the given slot count.
 */
final class Replication {
    /** phy2log[p] = logical expert of physical expert p; rank[p] = its replica number; count[e] = replicas of e. */
    record Replicas(int[] phy2log, int[] rank, int[] count) {
    }

    private Replication() {
    }

    static Replicas replicate(double[] weights, int physical) {
        int n = weights.length;
        if (physical < n) {
            throw new IllegalArgumentException(physical + " physical slots cannot hold " + n + " logical experts");
        }
        int[] phy2log = new int[physical];
        int[] rank = new int[physical];
        int[] count = new int[n];
        for (int e = 0; e < n; e++) {
            phy2log[e] = e;
            count[e] = 1;
        }
        for (int p = n; p < physical; p++) {
            int best = 0;
            for (int e = 1; e < n; e++) {
                if (weights[e] / count[e] > weights[best] / count[best]) {
                    best = e;
                }
            }
            phy2log[p] = best;
            rank[p] = count[best];
            count[best]++;
        }
        return new Replicas(phy2log, rank, count);
    }
}
