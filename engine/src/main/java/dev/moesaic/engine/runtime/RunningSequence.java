package dev.moesaic.engine.runtime;

/**
 * What an iteration-boundary task (e.g. the scaling controller) may see of a sequence the engine
 * holds, to pick sequences to preempt with {@link InferenceEngine#preempt}.
 */
public interface RunningSequence {
    String requestId();

    int choice();

    /** Prompt plus generated tokens. */
    int tokens();

    /** Tokens whose keys and values are in the KV cache. */
    int computedTokens();

    /** The sequence's KV cache (its device); null while it holds no blocks. */
    SequenceKv kv();
}
