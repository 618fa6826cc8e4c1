package dev.moesaic.engine.model;

import static dev.moesaic.engine.model.ArchitectureSupport.*;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.router.gate.GateConfig;
import dev.moesaic.router.gate.GatingFunction;

/**
 * GLM-4.5 MoE, the DeepSeek-V3 routing family with ordinary attention: q/k/v biases, partial NEOX
 * RoPE, leading dense layers, sigmoid router with a selection-only bias (exp_probs_b), grouped top-k,
 * renormalised and scaled weights, a shared expert. The pre-FFN norm is stored as post_attention_norm.
 * block_count counts the NextN/MTP layers too; like llama.cpp we load the file but never run them.
 */
final class Glm4MoeArchitecture implements Architecture {
    private static final int GATING_SOFTMAX = 1;
    private static final int GATING_SIGMOID = 2;

    @Override
    public String name() {
        return "glm4moe";
    }

    @Override
    public ModelConfig config(GgufFile f) {
        String a = name();
        int hidden = requireInt(f, a, "embedding_length");
        int heads = requireInt(f, a, "attention.head_count");
        int kvHeads = intOr(f, a, "attention.head_count_kv", heads);
        int headDim = intOr(f, a, "attention.key_length", hidden / heads);
        int blocks = requireInt(f, a, "block_count");
        int nextn = intOr(f, a, "nextn_predict_layers", 0);
        if (nextn < 0 || nextn >= blocks) {
            throw new ModelFormatException(f.path(), a + ".nextn_predict_layers = " + nextn + " leaves no layers of " + blocks);
        }
        int experts = requireInt(f, a, "expert_count");
        int gating = intOr(f, a, "expert_gating_func", GATING_SIGMOID);
        if (gating != GATING_SOFTMAX && gating != GATING_SIGMOID) {
            throw new ModelFormatException(f.path(), a + ".expert_gating_func = " + gating + " is unknown (1 softmax, 2 sigmoid)");
        }
        GateConfig gate = new GateConfig(experts, requireInt(f, a, "expert_used_count"),
                gating == GATING_SIGMOID ? GatingFunction.SIGMOID : GatingFunction.SOFTMAX,
                f.getBoolean(a + ".expert_weights_norm", false), floatOr(f, a, "expert_weights_scale", 0f),
                intOr(f, a, "expert_group_count", 1), intOr(f, a, "expert_group_used_count", 1));
        return new ModelConfig(a, f.getString("general.name", a), blocks - nextn, hidden, heads, kvHeads,
                headDim, intOr(f, a, "attention.value_length", headDim), vocabSize(f, a), intOr(f, a, "context_length", 2048),
                floatOr(f, a, "attention.layer_norm_rms_epsilon", 1e-5f), floatOr(f, a, "rope.freq_base", 10000f),
                intOr(f, a, "rope.dimension_count", headDim), RopeStyle.NEOX, false, true,
                requireInt(f, a, "feed_forward_length"), requireInt(f, a, "expert_feed_forward_length"), experts,
                intOr(f, a, "expert_shared_count", 0), intOr(f, a, "leading_dense_block_count", 0), gate);
    }

    @Override
    public ModelWeights weights(ModelConfig c, WeightSource src) {
        return blocks(c, src, "post_attention_norm.weight");
    }
}
