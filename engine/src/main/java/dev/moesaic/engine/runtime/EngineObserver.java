package dev.moesaic.engine.runtime;

/**
 * Latency and outcome events for metrics, called on the engine loop thread (keep them cheap). The
 * server records them in histograms; the engine itself knows no metrics library.
 */
public interface EngineObserver {
    EngineObserver NONE = new EngineObserver() {
    };

    /** A request's first generated token, {@code seconds} after it was submitted. */
    default void timeToFirstToken(double seconds) {
    }

    /** The gap between two consecutive tokens of one sequence. */
    default void interTokenLatency(double seconds) {
    }

    /** A choice ended. */
    default void choiceFinished(FinishReason reason) {
    }

    /** A request ended, {@code seconds} after it was submitted. */
    default void requestFinished(double seconds, Usage usage) {
    }
}
