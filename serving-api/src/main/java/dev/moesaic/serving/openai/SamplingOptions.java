package dev.moesaic.serving.openai;

import java.util.List;

/**
 * The parameters chat and text completions share, validated.
 *
 * @param maxTokens   per choice; null = until the context is full
 * @param seed        null = a random seed for this request
 * @param topLogprobs -1 = no logprobs
 */
record SamplingOptions(String model, Integer maxTokens, float temperature, float topP, int topK, Long seed, List<String> stop,
                       int n, boolean stream, boolean includeUsage, int topLogprobs, boolean ignoreEos) {
}
