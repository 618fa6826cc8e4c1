package dev.moesaic.router.gate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The slow, obvious twin of {@link MoeGate}: full sorts with comparators instead of the insertion
 * top-k, a fresh array per call, and the steps written out in the order llama.cpp performs them.
 */
final class ReferenceGate {
    record Routing(int[] experts, float[] weights) {
    }

    private ReferenceGate() {
    }

    static Routing route(GateConfig c, float[] logits, float[] bias) {
        int n = c.expertCount();
        float[] probs = new float[n];
        if (c.function() == GatingFunction.SOFTMAX) {
            float max = Float.NEGATIVE_INFINITY;
            for (float v : logits) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int e = 0; e < n; e++) {
                probs[e] = (float) Math.exp(logits[e] - max);
                sum += probs[e];
            }
            for (int e = 0; e < n; e++) {
                probs[e] = probs[e] * (float) (1.0 / sum);
            }
        } else {
            for (int e = 0; e < n; e++) {
                probs[e] = 1f / (1f + (float) Math.exp(-logits[e]));
            }
        }
        float[] selection = new float[n];
        for (int e = 0; e < n; e++) {
            selection[e] = bias == null ? probs[e] : probs[e] + bias[e];
        }
        if (c.groupCount() > 1) {
            int size = n / c.groupCount();
            List<Integer> groups = new ArrayList<>();
            float[] groupScore = new float[c.groupCount()];
            for (int g = 0; g < c.groupCount(); g++) {
                List<Float> members = new ArrayList<>();
                for (int e = g * size; e < (g + 1) * size; e++) {
                    members.add(selection[e]);
                }
                members.sort(Comparator.reverseOrder());
                groupScore[g] = members.get(0) + members.get(1);
                groups.add(g);
            }
            groups.sort(descendingThenLowerIndex(groupScore));
            for (int rank = c.groupsUsed(); rank < groups.size(); rank++) {
                int g = groups.get(rank);
                for (int e = g * size; e < (g + 1) * size; e++) {
                    selection[e] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            order.add(e);
        }
        order.sort(descendingThenLowerIndex(selection));
        int k = c.expertsUsed();
        int[] experts = new int[k];
        float[] weights = new float[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            experts[i] = order.get(i);
            weights[i] = probs[experts[i]];
            sum += weights[i];
        }
        if (c.normalizeWeights()) {
            float d = (float) sum < 6.103515625e-5f ? 6.103515625e-5f : (float) sum;
            for (int i = 0; i < k; i++) {
                weights[i] = weights[i] / d;
            }
        }
        if (c.weightsScale() != 0f && c.weightsScale() != 1f) {
            for (int i = 0; i < k; i++) {
                weights[i] = weights[i] * c.weightsScale();
            }
        }
        return new Routing(experts, weights);
    }

    private static Comparator<Integer> descendingThenLowerIndex(float[] score) {
        return (a, b) -> {
            int bySscore = Float.compare(score[b], score[a]);
            return bySscore != 0 ? bySscore : Integer.compare(a, b);
        };
    }
}
