package dev.moesaic.engine.runtime;

/** The prompt (plus the one token to generate) does not fit the model's context or the KV cache (HTTP 400). */
public final class PromptTooLongException extends RequestRejectedException {
    private final int promptTokens;
    private final int limit;

    public PromptTooLongException(int promptTokens, int limit, String what) {
        super("the prompt has " + promptTokens + " tokens but " + what + " holds at most " + limit
                + " tokens including the generated ones; shorten the prompt");
        this.promptTokens = promptTokens;
        this.limit = limit;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int limit() {
        return limit;
    }
}
