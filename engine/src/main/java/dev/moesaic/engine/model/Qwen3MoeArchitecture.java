package dev.moesaic.engine.model;

import static dev.moesaic.engine.model.ArchitectureSupport.*;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.router.gate.GateConfig;
import dev.moesaic.router.gate.GatingFunction;

/**
 * Qwen3-MoE: per-head RMSNorm of queries and keys (QK-norm) before NEOX RoPE, a softmax router with
 * renormalised top-k (llama.cpp hard-codes it: Qwen3 ships norm_topk_prob=true), experts of width
 * expert_feed_forward_length, head_dim independent of hidden/heads.
 */
final class Qwen3MoeArchitecture implements Architecture {
    @Override
    public String name() {
        return "qwen3moe";
    }

    @Override
    public ModelConfig config(GgufFile f) {
        String a = name();
        int hidden = requireInt(f, a, "embedding_length");
        int heads = requireInt(f, a, "attention.head_count");
        int kvHeads = intOr(f, a, "attention.head_count_kv", heads);
        int headDim = intOr(f, a, "attention.key_length", hidden / heads);
        int experts = requireInt(f, a, "expert_count");
        GateConfig gate = new GateConfig(experts, requireInt(f, a, "expert_used_count"), GatingFunction.SOFTMAX, true, 0f, 1, 1);
        return new ModelConfig(a, f.getString("general.name", a), requireInt(f, a, "block_count"), hidden, heads, kvHeads,
                headDim, intOr(f, a, "attention.value_length", headDim), vocabSize(f, a), intOr(f, a, "context_length", 2048),
                floatOr(f, a, "attention.layer_norm_rms_epsilon", 1e-6f), floatOr(f, a, "rope.freq_base", 1_000_000f),
                intOr(f, a, "rope.dimension_count", headDim), RopeStyle.NEOX, true, false,
                intOr(f, a, "feed_forward_length", 0), requireInt(f, a, "expert_feed_forward_length"), experts, 0, 0, gate);
    }

    @Override
    public ModelWeights weights(ModelConfig c, WeightSource src) {
        return blocks(c, src, "ffn_norm.weight");
    }
}
