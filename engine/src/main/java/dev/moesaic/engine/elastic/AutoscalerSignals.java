package dev.moesaic.engine.elastic;

/**
 * What the autoscaler looks at, measured by the serving engine over its recent window.
 *
 * @param waiting         requests waiting for admission
 * @param running         requests being generated
 * @param interTokenP50Ms median inter-token latency over the window (0 when nothing streamed)
 * @param busyFraction    share of wall time the engine loop spent computing (0..1): device utilisation
 */
public record AutoscalerSignals(int waiting, int running, double interTokenP50Ms, double busyFraction) {
}
