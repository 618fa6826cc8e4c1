package dev.moesaic.engine.forward;

import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.sampler.Sampler;
import dev.moesaic.engine.sampler.SamplingParams;
import java.util.function.IntPredicate;

/**
 * Generates one sequence: the prompt in one batch, then one token per step through the KV cache.
 * The command line uses it; the server batches many sequences with the scheduler instead.
 */
public final class Generator {
    private final LoadedModel model;
    private final Transformer transformer;

    public Generator(LoadedModel model, Transformer transformer) {
        this.model = model;
        this.transformer = transformer;
    }

    /** Called with each generated token; return false to stop early. */
    public interface TokenSink {
        boolean accept(int token);
    }

    /**
     * @param stopAt tokens that end generation (end-of-generation ids); the stop token is not emitted
     * @return the generated ids
     */
    public int[] generate(int[] prompt, int maxTokens, SamplingParams params, IntPredicate stopAt, TokenSink sink) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: give at least one token (e.g. BOS)");
        }
        int context = model.config().contextLength();
        if (prompt.length + maxTokens > context) {
            maxTokens = Math.max(0, context - prompt.length);
            if (maxTokens == 0) {
                throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, the model's context is " + context);
            }
        }
        int vocab = model.config().vocabSize();
        Sampler sampler = new Sampler(params);
        int[] out = new int[maxTokens];
        int n = 0;
        try (ArenaKvStorage kv = ArenaKvStorage.forTokens(model.kvLayout(16), prompt.length + maxTokens)) {
            int[] table = kv.identityTable();
            float[] logits = new float[vocab];
            transformer.forward(ForwardBatch.ofSequence(prompt, 0, table, kv), logits);
            int pos = prompt.length;
            while (n < maxTokens) {
                int next = sampler.sample(logits, 0, vocab);
                if (stopAt.test(next)) {
                    break;
                }
                out[n++] = next;
                if (!sink.accept(next) || n == maxTokens) {
                    break;
                }
                transformer.forward(ForwardBatch.ofSequence(new int[] {next}, pos++, table, kv), logits);
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
