package dev.moesaic.engine.sampler;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks tokens from logits for one sequence. Owns the sequence's random stream, so it is stateful. */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    private long[] order = new long[0];
    private float[] probs = new float[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    public SamplingParams params() {
        return params;
    }

    /** The next token from {@code logits[offset .. offset+vocab)}; the logits are not modified. */
    public int sample(float[] logits, int offset, int vocab) {
        if (params.isGreedy()) {
            return argmax(logits, offset, vocab);
        }
        if (probs.length < vocab) {
            probs = new float[vocab];
            order = new long[vocab];
        }
        float inv = 1f / params.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i] * inv);
        }
        // Sort candidates by probability, descending: key = probability bits (non-negative floats sort
        // like their bit patterns), inverted so ascending sort gives descending probability.
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            float p = (float) Math.exp(logits[offset + i] * inv - max);
            probs[i] = p;
            sum += p;
        }
        for (int i = 0; i < vocab; i++) {
            float p = (float) (probs[i] / sum);
            probs[i] = p;
            order[i] = ((long) (Integer.MAX_VALUE - Float.floatToIntBits(p)) << 32) | i;
        }
        Arrays.sort(order, 0, vocab);
        int keep = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += probs[(int) order[i]];
        }
        if (params.topP() < 1f) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += probs[(int) order[i]] / kept;
                if (cumulative >= params.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            kept = 0;
            for (int i = 0; i < keep; i++) {
                kept += probs[(int) order[i]];
            }
        }
        double r = random.nextDouble() * kept;
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            int id = (int) order[i];
            acc += probs[id];
            if (r < acc) {
                return id;
            }
        }
        return (int) order[keep - 1];
    }

    /** Index of the largest logit; the lowest index wins ties. */
    public static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        float bestValue = logits[offset];
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > bestValue) {
                bestValue = logits[offset + i];
                best = i;
            }
        }
        return best;
    }

    /** log-softmax of the raw logits (before temperature), as OpenAI's logprobs report them. */
    public static void logSoftmax(float[] logits, int offset, int vocab, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        float logSum = (float) Math.log(sum);
        for (int i = 0; i < vocab; i++) {
            out[i] = logits[offset + i] - max - logSum;
        }
    }
}
