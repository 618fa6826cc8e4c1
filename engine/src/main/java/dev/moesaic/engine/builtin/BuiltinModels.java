package dev.moesaic.engine.builtin;

import dev.moesaic.engine.model.ModelConfig;
import dev.moesaic.engine.model.RopeStyle;
import dev.moesaic.engine.tokenizer.BuiltinVocabulary;
import dev.moesaic.router.gate.GateConfig;
import dev.moesaic.router.gate.GatingFunction;
import java.util.List;

/**
 * The synthetic models that ship inside Moesaic, so every command works on a machine with no model
 * files: deterministic qwen3moe-shaped MoE transformers with random weights from a fixed seed.
 */
public final class BuiltinModels {
    public static final String PREFIX = "builtin:";
    public static final String TINY = "tiny-moe";
    public static final String BENCH = "bench";

    private BuiltinModels() {
    }

    public static List<String> names() {
        return List.of(TINY, BENCH);
    }

    public static boolean isBuiltin(String spec) {
        return spec.startsWith(PREFIX);
    }

    /** The configuration of built-in model {@code name} (without the "builtin:" prefix). */
    public static ModelConfig config(String name) {
        return switch (name) {
            // Small enough to load in well under a second; still a real MoE (8 experts, top-2).
            case TINY -> qwen3moe(TINY, 4, 128, 4, 2, 32, 8, 64, 2);
            // Exactly the benchmark shape other engines are measured on: ~940M parameters, ~145M active.
            case BENCH -> qwen3moe(BENCH, 12, 1024, 16, 4, 64, 32, 768, 4);
            default -> throw new IllegalArgumentException("unknown built-in model '" + name + "' (available: " + String.join(", ", names()) + ")");
        };
    }

    private static ModelConfig qwen3moe(String name, int layers, int hidden, int heads, int kvHeads, int headDim,
                                        int experts, int expertFfn, int used) {
        GateConfig gate = new GateConfig(experts, used, GatingFunction.SOFTMAX, true, 0f, 1, 1);
        return new ModelConfig("qwen3moe", "builtin:" + name, layers, hidden, heads, kvHeads, headDim, headDim,
                BuiltinVocabulary.SIZE, 4096, 1e-6f, 1_000_000f, headDim, RopeStyle.NEOX, true, false,
                0, expertFfn, experts, 0, 0, gate);
    }
}
