package dev.moesaic.engine.elastic;

import java.util.Map;

/**
 * A snapshot of one scaling operation, as the admin API reports it.
 *
 * @param kind            "scale", "rebalance" or "recover"
 * @param phaseMillis     time spent in each phase so far
 * @param bytesMoved      expert bytes copied between device pools (and from the model file, for recovery)
 * @param expertsMoved    expert copies made
 * @param peakPoolBytes   the highest total pool usage seen during the operation (experts and KV)
 * @param steadyPoolBytes total pool usage when the operation started
 * @param steadyExpertBytes pool bytes held by expert slots when the operation started
 * @param peakExpertBytes the most pool bytes expert slots held at any point of the operation
 * @param servingMillis   request -> the new placement serving (the scale-up latency)
 */
public record ScaleStatus(String id, String kind, int fromDevices, int toDevices, ScalePhase phase, Map<ScalePhase, Long> phaseMillis,
                          long bytesMoved, int expertsMoved, long peakPoolBytes, long steadyPoolBytes, long steadyExpertBytes,
                          long peakExpertBytes, long servingMillis,
                          long totalMillis, String error, long epoch) {
}
