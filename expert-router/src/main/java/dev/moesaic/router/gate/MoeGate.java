package dev.moesaic.router.gate;

import java.util.Arrays;
import java.util.Objects;

/**
 * The model's own (logical) routing for one MoE layer, with llama.cpp's {@code build_moe_ffn}
 * semantics: probabilities from softmax or sigmoid, an optional selection bias that only changes
 * which experts are chosen, optional grouped top-k, top-k, then the unbiased probabilities of the
 * chosen experts as weights, optionally renormalised and scaled.
 *
 * <p>Arithmetic follows ggml's CPU path in float: softmax subtracts the max, exponentiates in
 * float, sums in double and multiplies by the float reciprocal of the sum; the weight sum is taken
 * in double and clamped to the smallest normal half (6.103515625e-5) before the division. ggml's
 * vectorised {@code expf} is an approximation, so probabilities can differ from llama.cpp in the
 * last bit; selections differ only on exact near-ties.
 *
 * <p>Thread-safe: per-call scratch lives in a thread-local buffer, so one instance serves all
 * threads and {@link #route} allocates nothing after a thread's first call.
 */
public final class MoeGate {
    /** ggml clamps the weight sum to the smallest positive normal half-precision value. */
    static final float MIN_WEIGHT_SUM = 6.103515625e-5f;

    private final GateConfig config;
    private final ThreadLocal<Scratch> scratch;

    public MoeGate(GateConfig config) {
        this.config = Objects.requireNonNull(config, "gate config is null");
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(config));
    }

    public GateConfig config() {
        return config;
    }

    /**
     * Routes one token. logits[logitsOffset .. +expertCount) are the router's raw outputs (x . W_gate).
     * selectionBias (nullable, length expertCount) is added to the probabilities for choosing only.
     * Writes expertsUsed expert ids to experts[outOffset..] in selection order (descending selection score,
     * ties -> lower expert id first) and their weights to weights[outOffset..].
     *
     * @throws IllegalArgumentException when an array is too short or the probabilities contain NaN
     */
    public void route(float[] logits, int logitsOffset, float[] selectionBias, int[] experts, float[] weights,
                      int outOffset) {
        int n = config.expertCount();
        int k = config.expertsUsed();
        checkBounds(logits, logitsOffset, selectionBias, experts, weights, outOffset);
        Scratch s = scratch.get();
        float[] probs = s.probs;
        float[] selection = s.selection;

        if (config.function() == GatingFunction.SOFTMAX) {
            softmax(logits, logitsOffset, n, probs);
        } else {
            sigmoid(logits, logitsOffset, n, probs);
        }
        for (int e = 0; e < n; e++) {
            float sel = selectionBias == null ? probs[e] : probs[e] + selectionBias[e];
            if (Float.isNaN(sel)) {
                throw new IllegalArgumentException("router produced NaN for expert " + e + " (logit "
                        + logits[logitsOffset + e] + (selectionBias == null ? "" : ", bias " + selectionBias[e])
                        + "): the gate input or weights are not finite");
            }
            selection[e] = sel;
        }
        if (config.grouped()) {
            maskWeakGroups(selection, s);
        }
        topK(selection, n, k, experts, outOffset);

        double sum = 0;
        for (int i = 0; i < k; i++) {
            float w = probs[experts[outOffset + i]];
            weights[outOffset + i] = w;
            sum += w;
        }
        if (config.normalizeWeights()) {
            float denominator = Math.max((float) sum, MIN_WEIGHT_SUM);
            for (int i = 0; i < k; i++) {
                weights[outOffset + i] /= denominator;
            }
        }
        if (config.scalesWeights()) {
            float scale = config.weightsScale();
            for (int i = 0; i < k; i++) {
                weights[outOffset + i] *= scale;
            }
        }
    }

    /**
     * Routes {@code tokenCount} tokens whose logits are stored one row of {@code expertCount} after
     * another; token t's choices land at {@code experts/weights[t * expertsUsed ..]}.
     */
    public void routeAll(float[] logits, int tokenCount, float[] selectionBias, int[] experts, float[] weights) {
        int n = config.expertCount();
        int k = config.expertsUsed();
        for (int t = 0; t < tokenCount; t++) {
            route(logits, t * n, selectionBias, experts, weights, t * k);
        }
    }

    static void softmax(float[] logits, int offset, int n, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int e = 0; e < n; e++) {
            max = Math.max(max, logits[offset + e]);
        }
        double sum = 0;
        for (int e = 0; e < n; e++) {
            float v = (float) Math.exp(logits[offset + e] - max);
            out[e] = v;
            sum += v;
        }
        float inverse = (float) (1.0 / sum);
        for (int e = 0; e < n; e++) {
            out[e] *= inverse;
        }
    }

    static void sigmoid(float[] logits, int offset, int n, float[] out) {
        for (int e = 0; e < n; e++) {
            out[e] = 1f / (1f + (float) Math.exp(-logits[offset + e]));
        }
    }

    /** Keeps the groupsUsed groups with the best top-2 sums; every other expert's selection becomes -inf. */
    private void maskWeakGroups(float[] selection, Scratch s) {
        int groups = config.groupCount();
        int size = config.groupSize();
        float[] groupScore = s.groupScore;
        for (int g = 0; g < groups; g++) {
            float best = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int e = g * size, end = e + size; e < end; e++) {
                float v = selection[e];
                if (v > best) {
                    second = best;
                    best = v;
                } else if (v > second) {
                    second = v;
                }
            }
            groupScore[g] = best + second;
        }
        int[] keptGroups = s.keptGroups;
        topK(groupScore, groups, config.groupsUsed(), keptGroups, 0);
        boolean[] kept = s.groupKept;
        Arrays.fill(kept, false);
        for (int i = 0; i < config.groupsUsed(); i++) {
            kept[keptGroups[i]] = true;
        }
        for (int g = 0; g < groups; g++) {
            if (!kept[g]) {
                Arrays.fill(selection, g * size, (g + 1) * size, Float.NEGATIVE_INFINITY);
            }
        }
    }

    /**
     * Indices of the k largest scores[0..n), descending, ties to the lower index: an insertion into a
     * sorted list of length k, which beats sorting for the small k of MoE routing.
     */
    static void topK(float[] scores, int n, int k, int[] out, int outOffset) {
        int filled = 0;
        for (int i = 0; i < n; i++) {
            float v = scores[i];
            if (filled == k && !(v > scores[out[outOffset + k - 1]])) {
                continue;
            }
            // strictly greater moves ahead: an equal score keeps the earlier (lower) index first
            int pos = filled == k ? k - 1 : filled;
            while (pos > 0 && v > scores[out[outOffset + pos - 1]]) {
                out[outOffset + pos] = out[outOffset + pos - 1];
                pos--;
            }
            out[outOffset + pos] = i;
            if (filled < k) {
                filled++;
            }
        }
    }

    private void checkBounds(float[] logits, int logitsOffset, float[] selectionBias, int[] experts,
                             float[] weights, int outOffset) {
        int n = config.expertCount();
        int k = config.expertsUsed();
        if (logitsOffset < 0 || logitsOffset > logits.length - n) {
            throw new IllegalArgumentException("logits[" + logitsOffset + " .. +" + n + ") is outside an array of "
                    + logits.length + ": pass one row of expertCount router outputs per token");
        }
        if (selectionBias != null && selectionBias.length != n) {
            throw new IllegalArgumentException("selectionBias has length " + selectionBias.length
                    + " but the layer has " + n + " experts: pass one bias per expert or null");
        }
        if (outOffset < 0 || outOffset > experts.length - k || outOffset > weights.length - k) {
            throw new IllegalArgumentException("output range [" + outOffset + " .. +" + k + ") does not fit experts["
                    + experts.length + "] and weights[" + weights.length + "]");
        }
    }

    /** Per-thread working arrays, sized once for the layer. */
    private static final class Scratch {
        final float[] probs;
        final float[] selection;
        final float[] groupScore;
        final int[] keptGroups;
        final boolean[] groupKept;

        Scratch(GateConfig c) {
            probs = new float[c.expertCount()];
            selection = new float[c.expertCount()];
            groupScore = new float[c.groupCount()];
            keptGroups = new int[c.groupsUsed()];
            groupKept = new boolean[c.groupCount()];
        }
    }
}
