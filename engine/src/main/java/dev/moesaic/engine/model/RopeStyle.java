package dev.moesaic.engine.model;

/** How rotary position embedding pairs dimensions (llama.cpp's rope types). */
public enum RopeStyle {
    /** Adjacent pairs (2i, 2i+1): llama.cpp LLAMA_ROPE_TYPE_NORM, used by arch "llama" and llama2.c. */
    NORMAL,
    /** Halves (i, i + n_rot/2): LLAMA_ROPE_TYPE_NEOX, used by qwen3moe and glm4moe (HF rotate_half). */
    NEOX
}
