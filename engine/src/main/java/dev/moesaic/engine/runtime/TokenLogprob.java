package dev.moesaic.engine.runtime;

/**
 * The log-probability of a generated token under the raw logits (before temperature, as OpenAI
 * reports it) and the {@code topTokens.length} most likely alternatives, most likely first.
 */
public record TokenLogprob(int token, float logprob, int[] topTokens, float[] topLogprobs) {
    public TokenLogprob {
        if (topTokens.length != topLogprobs.length) {
            throw new IllegalArgumentException("top tokens and their logprobs must be equally long");
        }
    }
}
