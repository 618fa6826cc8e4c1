package dev.moesaic.engine.runtime;

/**
 * Scheduling limits of an engine.
 *
 * @param tokenBudget tokens one iteration computes at most (decodes plus prompt chunks); at least
 *                    {@code maxRunning}, so every running sequence decodes in every iteration
 * @param maxRunning  sequences in the running batch at most
 * @param maxWaiting  requests accepted but not yet running at most; one more is refused with
 *                    {@link QueueFullException}
 */
public record EngineConfig(int tokenBudget, int maxRunning, int maxWaiting) {
    public static final EngineConfig DEFAULT = new EngineConfig(512, 256, 256);

    public EngineConfig {
        if (maxRunning < 1) {
            throw new IllegalArgumentException("maxRunning must be >= 1, got " + maxRunning);
        }
        if (tokenBudget < maxRunning) {
            throw new IllegalArgumentException("tokenBudget (" + tokenBudget + ") must be >= maxRunning (" + maxRunning
                    + ") so every running sequence decodes in every iteration");
        }
        if (maxWaiting < 1) {
            throw new IllegalArgumentException("maxWaiting must be >= 1 (every request waits briefly before it runs), got "
                    + maxWaiting);
        }
    }

    public EngineConfig withMaxWaiting(int maxWaiting) {
        return new EngineConfig(tokenBudget, maxRunning, maxWaiting);
    }
}
