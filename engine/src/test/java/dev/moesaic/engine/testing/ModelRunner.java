package dev.moesaic.engine.testing;

import dev.moesaic.engine.forward.ArenaKvStorage;
import dev.moesaic.engine.forward.ForwardBatch;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.sampler.Sampler;

/** Drives a transformer the way the golden dumper drove llama.cpp: one batch for the prompt, then one token per step. */
public final class ModelRunner {
    private ModelRunner() {
    }

    /** Logits of every prompt position from one batched forward, [position][vocab]. */
    public static float[][] promptLogits(LoadedModel model, Transformer t, int[] prompt) {
        int vocab = model.config().vocabSize();
        try (ArenaKvStorage kv = ArenaKvStorage.forTokens(model.kvLayout(16), prompt.length)) {
            float[] flat = new float[prompt.length * vocab];
            t.forward(ForwardBatch.ofSequence(prompt, 0, kv.identityTable(), kv, true), flat);
            float[][] out = new float[prompt.length][vocab];
            for (int i = 0; i < prompt.length; i++) {
                System.arraycopy(flat, i * vocab, out[i], 0, vocab);
            }
            return out;
        }
    }

    /** Greedy ids after the prompt, one decode step per token through the KV cache; also each step's logits. */
    public static int[] greedy(LoadedModel model, Transformer t, int[] prompt, int steps, float[][] stepLogits) {
        int vocab = model.config().vocabSize();
        try (ArenaKvStorage kv = ArenaKvStorage.forTokens(model.kvLayout(16), prompt.length + steps)) {
            int[] table = kv.identityTable();
            float[] logits = new float[vocab];
            t.forward(ForwardBatch.ofSequence(prompt, 0, table, kv), logits);
            int[] ids = new int[steps];
            for (int s = 0; s < steps; s++) {
                if (stepLogits != null) {
                    stepLogits[s] = logits.clone();
                }
                ids[s] = Sampler.argmax(logits, 0, vocab);
                if (s + 1 < steps) {
                    t.forward(ForwardBatch.ofSequence(new int[] {ids[s]}, prompt.length + s, table, kv), logits);
                }
            }
            return ids;
        }
    }

    public static int argmax(float[] x) {
        return Sampler.argmax(x, 0, x.length);
    }

    /** Ids of the n largest values, largest first (ties: lower id first). */
    public static int[] topN(float[] x, int n) {
        Integer[] idx = new Integer[x.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> x[a] != x[b] ? Float.compare(x[b], x[a]) : Integer.compare(a, b));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
