package dev.moesaic.router.gate;

/** How router logits become expert probabilities (llama.cpp's {@code expert_gating_func}). */
public enum GatingFunction {
    /** Softmax over all experts of the layer (Mixtral, Qwen3-MoE). */
    SOFTMAX,
    /** Independent sigmoid per expert (DeepSeek-V3, GLM-4.5). */
    SIGMOID
}
