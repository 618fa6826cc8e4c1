package dev.moesaic.engine.runtime;

import dev.moesaic.engine.forward.Generator;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.sampler.SamplingParams;

/** The built-in tiny MoE, an engine on it with a KV cache of a chosen size, and the one-sequence reference. */
final class TinyEngine implements AutoCloseable {
    static final LoadedModel MODEL = Models.open("builtin:tiny-moe", null, null);
    static final Transformer REFERENCE = Transformer.local(MODEL.config(), MODEL.weights(), Kernels.reference());

    final KvCacheManager kv;
    final InferenceEngine engine;

    TinyEngine(int kvBlocks, EngineConfig config) {
        this(kvBlocks, config, EngineObserver.NONE);
    }

    TinyEngine(int kvBlocks, EngineConfig config, EngineObserver observer) {
        kv = KvCacheManager.onNewDevice("test-device", MODEL.kvLayout(16), kvBlocks);
        Transformer t = Transformer.local(MODEL.config(), MODEL.weights(), Kernels.reference());
        engine = new InferenceEngine(t, MODEL.tokenizer(), kv, config, observer);
    }

    /** Steps until every listed collector is done (at most {@code maxSteps}). */
    void runUntilDone(int maxSteps, Collector... collectors) {
        for (int i = 0; i < maxSteps; i++) {
            boolean all = true;
            for (Collector c : collectors) {
                all &= c.isDone();
            }
            if (all) {
                return;
            }
            engine.step();
        }
        throw new AssertionError("requests not done after " + maxSteps + " steps: " + engine.stats());
    }

    static int[] prompt(String text) {
        return MODEL.tokenizer().encode(text, true);
    }

    /** The slow, obvious twin of the engine: one sequence, whole prompt at once, one token per step. */
    static int[] alone(int[] prompt, int maxTokens, SamplingParams params, boolean stopAtEos) {
        return new Generator(MODEL, REFERENCE).generate(prompt, maxTokens, params,
                id -> stopAtEos && MODEL.tokenizer().isEndOfGeneration(id), id -> true);
    }

    @Override
    public void close() {
        engine.close();
        kv.close();
    }
}
