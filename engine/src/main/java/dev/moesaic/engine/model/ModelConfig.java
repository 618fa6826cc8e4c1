package dev.moesaic.engine.model;

import dev.moesaic.router.gate.GateConfig;

/**
 * Hyperparameters of a decoder-only transformer, independent of the file format.
 *
 * @param architecture    GGUF architecture name ("llama", "qwen3moe", "glm4moe")
 * @param layers          transformer blocks that are evaluated (NextN/MTP blocks excluded)
 * @param headDim         per-head dimension of queries and keys
 * @param valueDim        per-head dimension of values
 * @param ropeDims        leading dimensions of each head that RoPE rotates (partial RoPE when < headDim)
 * @param denseFfn        width of the dense FFN (leading dense layers, or every layer of a dense model)
 * @param expertFfn       width of one routed expert (0 for dense models)
 * @param experts         routed experts per MoE layer (0 for dense models)
 * @param sharedExperts   always-on shared experts per MoE layer (their width is sharedExperts * expertFfn)
 * @param leadingDense    the first layers that use a dense FFN in an MoE model
 * @param gate            routing semantics of MoE layers (null for dense models)
 */
public record ModelConfig(
        String architecture,
        String name,
        int layers,
        int hidden,
        int heads,
        int kvHeads,
        int headDim,
        int valueDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeBase,
        int ropeDims,
        RopeStyle ropeStyle,
        boolean qkNorm,
        boolean attentionBias,
        int denseFfn,
        int expertFfn,
        int experts,
        int sharedExperts,
        int leadingDense,
        GateConfig gate) {

    public ModelConfig {
        if (layers <= 0 || hidden <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || valueDim <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("model dimensions must be positive: " + this);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of kv heads (" + kvHeads + ")");
        }
        if (ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0) {
            throw new IllegalArgumentException("rope dimensions " + ropeDims + " must be even and at most head dim " + headDim);
        }
        if (experts > 0 && gate == null) {
            throw new IllegalArgumentException("an MoE model needs a gate configuration");
        }
    }

    public boolean isMoe() {
        return experts > 0;
    }

    /** Whether layer {@code layer} routes through experts (false for dense models and leading dense layers). */
    public boolean isMoeLayer(int layer) {
        return experts > 0 && layer >= leadingDense;
    }

    public int queryDim() {
        return heads * headDim;
    }

    public int keyDim() {
        return kvHeads * headDim;
    }

    public int kvValueDim() {
        return kvHeads * valueDim;
    }

    public int expertsUsed() {
        return gate == null ? 0 : gate.expertsUsed();
    }
}
