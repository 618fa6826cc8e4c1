package dev.moesaic.engine.model;

import dev.moesaic.engine.tensor.Tensor;

/**
 * One transformer block's weights. Optional parts are null: attention biases (glm4moe), QK-norm
 * weights (qwen3moe), the dense FFN (MoE layers), the experts (dense layers), the shared expert.
 *
 * @param ffnNorm       pre-FFN RMSNorm weight (glm4moe calls it post_attention_norm)
 * @param router        router matrix [experts x hidden] (ffn_gate_inp)
 * @param selectionBias per-expert bias added for expert selection only (exp_probs_b), or null
 * @param expertGate    merged expert gate projections [experts][expertFfn x hidden]
 * @param expertUp      merged expert up projections [experts][expertFfn x hidden]
 * @param expertDown    merged expert down projections [experts][hidden x expertFfn]
 */
public record LayerWeights(
        Tensor attnNorm,
        Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        Tensor bq, Tensor bk, Tensor bv,
        Tensor qNorm, Tensor kNorm,
        Tensor ffnNorm,
        Tensor ffnGate, Tensor ffnUp, Tensor ffnDown,
        Tensor router, float[] selectionBias,
        Tensor expertGate, Tensor expertUp, Tensor expertDown,
        Tensor sharedGate, Tensor sharedUp, Tensor sharedDown) {

    public boolean isMoe() {
        return router != null;
    }

    public boolean hasSharedExpert() {
        return sharedGate != null;
    }

    /** Mutable assembly used by the architecture files. */
    static final class Builder {
        Tensor attnNorm, wq, wk, wv, wo, bq, bk, bv, qNorm, kNorm, ffnNorm, ffnGate, ffnUp, ffnDown, router;
        float[] selectionBias;
        Tensor expertGate, expertUp, expertDown, sharedGate, sharedUp, sharedDown;

        LayerWeights build() {
            return new LayerWeights(attnNorm, wq, wk, wv, wo, bq, bk, bv, qNorm, kNorm, ffnNorm, ffnGate, ffnUp, ffnDown,
                    router, selectionBias, expertGate, expertUp, expertDown, sharedGate, sharedUp, sharedDown);
        }
    }
}
