package dev.moesaic.engine.runtime;

/** Why a generated sequence ended. {@link #openAiName()} is the {@code finish_reason} an OpenAI client sees. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP("stop"),
    /** max_tokens reached, the model's context is full, or the sequence alone outgrew the KV cache. */
    LENGTH("length"),
    /** Cancelled: the client went away, or the server shut down before the sequence finished. */
    ABORT("abort"),
    /** This sequence failed (the message says why); the other sequences were not affected. */
    ERROR("error");

    private final String openAiName;

    FinishReason(String openAiName) {
        this.openAiName = openAiName;
    }

    public String openAiName() {
        return openAiName;
    }
}
