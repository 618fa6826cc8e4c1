package dev.moesaic.engine.runtime;

/** Token counts of a finished request: its prompt once, and every choice's generated tokens. */
public record Usage(int promptTokens, int completionTokens) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
