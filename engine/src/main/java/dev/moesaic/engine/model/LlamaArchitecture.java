package dev.moesaic.engine.model;

import static dev.moesaic.engine.model.ArchitectureSupport.*;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.router.gate.GateConfig;
import dev.moesaic.router.gate.GatingFunction;

/**
 * Llama (dense) and Mixtral-style MoE ("llama" with expert_count > 0): adjacent-pair RoPE, softmax
 * router whose top-k weights are always renormalised, experts as wide as feed_forward_length.
 */
final class LlamaArchitecture implements Architecture {
    @Override
    public String name() {
        return "llama";
    }

    @Override
    public ModelConfig config(GgufFile f) {
        String a = name();
        int hidden = requireInt(f, a, "embedding_length");
        int heads = requireInt(f, a, "attention.head_count");
        int kvHeads = intOr(f, a, "attention.head_count_kv", heads);
        int headDim = intOr(f, a, "attention.key_length", hidden / heads);
        int experts = intOr(f, a, "expert_count", 0);
        int used = intOr(f, a, "expert_used_count", 0);
        int ffn = requireInt(f, a, "feed_forward_length");
        GateConfig gate = experts > 0 ? new GateConfig(experts, used, GatingFunction.SOFTMAX, true, 0f, 1, 1) : null;
        return new ModelConfig(a, f.getString("general.name", a), requireInt(f, a, "block_count"), hidden, heads, kvHeads,
                headDim, intOr(f, a, "attention.value_length", headDim), vocabSize(f, a), intOr(f, a, "context_length", 2048),
                floatOr(f, a, "attention.layer_norm_rms_epsilon", 1e-5f), floatOr(f, a, "rope.freq_base", 10000f),
                intOr(f, a, "rope.dimension_count", headDim), RopeStyle.NORMAL, false, false,
                ffn, experts > 0 ? ffn : 0, experts, 0, 0, gate);
    }

    @Override
    public ModelWeights weights(ModelConfig c, WeightSource src) {
        return blocks(c, src, "ffn_norm.weight");
    }
}
