package dev.moesaic.engine.runtime;

/**
 * The engine's state for metrics and tests, read at one instant.
 *
 * @param runningSequences   sequences in the running batch
 * @param waitingSequences   sequences waiting to run (new, or preempted and waiting to recompute), including
 *                           those submitted but not yet picked up by the loop
 * @param waitingRequests    accepted requests that have not started yet (what the queue bound limits)
 * @param kvUsage            used KV blocks over all blocks, 0..1
 * @param promptTokens       prompt tokens of admitted requests since start
 * @param generationTokens   tokens generated since start
 * @param iterations         engine steps that ran a batch
 * @param preemptions        sequences preempted (recompute) since start
 */
public record EngineStats(int runningSequences, int waitingSequences, int waitingRequests, double kvUsage, int kvUsedBlocks,
                          int kvFreeBlocks, int kvTotalBlocks, long promptTokens, long generationTokens, long iterations,
                          long preemptions) {
}
