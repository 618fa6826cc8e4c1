package dev.moesaic.engine.sampler;

/**
 * How to pick the next token. Temperature 0 is greedy (argmax, lowest id on ties). Otherwise the
 * logits are divided by the temperature, then top-k keeps the k most likely tokens (0 = all), then
 * top-p keeps the smallest prefix whose probability reaches p (1 = all), and one token is drawn.
 *
 * @param seed the random seed; equal seeds give equal outputs for equal logits
 */
public record SamplingParams(float temperature, float topP, int topK, long seed) {
    public static final SamplingParams GREEDY = new SamplingParams(0f, 1f, 0, 0);

    public SamplingParams {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 disables it), got " + topK);
        }
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
