package dev.moesaic.engine.runtime;

import dev.moesaic.engine.sampler.SamplingParams;
import java.util.List;
import java.util.Objects;

/**
 * What to generate: {@code n} independent continuations (choices) of {@code prompt}. Choice
 * {@code i} samples with seed {@code sampling.seed() + i}, so choices differ while a request with a
 * seed stays reproducible.
 *
 * @param id          unique among live requests (used to cancel)
 * @param maxTokens   tokens to generate per choice at most (also bounded by the model's context)
 * @param stop        strings that end a choice; the match and everything after it is not output
 * @param topLogprobs -1 for no logprobs, else 0..20 alternatives to report per token
 * @param ignoreEos   keep generating after end-of-generation tokens (benchmarks)
 */
public record GenerationRequest(String id, int[] prompt, int maxTokens, SamplingParams sampling, List<String> stop, int n,
                                int topLogprobs, boolean ignoreEos) {
    public static final int MAX_TOP_LOGPROBS = 20;

    public GenerationRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sampling, "sampling");
        stop = List.copyOf(stop);
        prompt = prompt.clone();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("request " + id + ": the prompt is empty; give at least one token");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("request " + id + ": maxTokens must be >= 1, got " + maxTokens);
        }
        if (n < 1) {
            throw new IllegalArgumentException("request " + id + ": n must be >= 1, got " + n);
        }
        if (topLogprobs < -1 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("request " + id + ": topLogprobs must be -1 (off) or 0.." + MAX_TOP_LOGPROBS
                    + ", got " + topLogprobs);
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("request " + id + ": stop strings must not be empty");
            }
        }
    }

    /** A single greedy choice without stop strings or logprobs. */
    public static GenerationRequest greedy(String id, int[] prompt, int maxTokens) {
        return new GenerationRequest(id, prompt, maxTokens, SamplingParams.GREEDY, List.of(), 1, -1, false);
    }

    public boolean wantsLogprobs() {
        return topLogprobs >= 0;
    }

    /** The sampling parameters of choice {@code i}. */
    public SamplingParams samplingFor(int choice) {
        return new SamplingParams(sampling.temperature(), sampling.topP(), sampling.topK(), sampling.seed() + choice);
    }
}
