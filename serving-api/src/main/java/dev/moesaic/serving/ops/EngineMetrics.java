package dev.moesaic.serving.ops;

import dev.moesaic.engine.runtime.EngineObserver;
import dev.moesaic.engine.runtime.FinishReason;
import dev.moesaic.engine.runtime.InferenceEngine;
import dev.moesaic.engine.runtime.Usage;
import dev.moesaic.memory.DeviceMemorySnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The engine's numbers as Prometheus metrics, named like vLLM's where the meaning is the same
 * ({@code vllm:num_requests_running} is {@code moesaic_num_requests_running}, and so on; the full
 * list is in docs/SERVING.md). Latencies come in as {@link EngineObserver} events from the engine
 * loop; counts and KV usage are read from the engine when Prometheus scrapes.
 */
@Component
public final class EngineMetrics implements EngineObserver {
    private static final Duration[] TTFT_BUCKETS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5,
            5, 7.5, 10, 20, 40, 80, 160, 640);
    private static final Duration[] ITL_BUCKETS = seconds(0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1,
            0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80);
    private static final Duration[] E2E_BUCKETS = seconds(0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480,
            960, 1920, 7680);

    private final MeterRegistry registry;
    private final Timer ttft;
    private final Timer interToken;
    private final Timer e2e;
    private final Map<FinishReason, Counter> finished = new EnumMap<>(FinishReason.class);

    public EngineMetrics(MeterRegistry registry) {
        this.registry = registry;
        ttft = Timer.builder("moesaic.time_to_first_token").description("Time from request arrival to its first generated token")
                .serviceLevelObjectives(TTFT_BUCKETS).register(registry);
        interToken = Timer.builder("moesaic.inter_token_latency").description("Time between two tokens of one sequence")
                .serviceLevelObjectives(ITL_BUCKETS).register(registry);
        e2e = Timer.builder("moesaic.e2e_request_latency").description("Time from request arrival to its last token")
                .serviceLevelObjectives(E2E_BUCKETS).register(registry);
        for (FinishReason r : FinishReason.values()) {
            finished.put(r, Counter.builder("moesaic.request_success").description("Finished sequences by finish reason")
                    .tag("finished_reason", r.openAiName()).register(registry));
        }
    }

    /** Gauges and counters read from the engine (called once, when the model has loaded). */
    public void bind(InferenceEngine engine, int devices) {
        Gauge.builder("moesaic.num_requests_running", engine, e -> e.stats().runningSequences())
                .description("Sequences in the running batch").register(registry);
        Gauge.builder("moesaic.num_requests_waiting", engine, e -> e.stats().waitingSequences())
                .description("Sequences waiting to run (new, or preempted and waiting to recompute)").register(registry);
        Gauge.builder("moesaic.kv_cache_usage_perc", engine, e -> e.kvCache().usage())
                .description("Used KV-cache blocks over all blocks (0..1)").register(registry);
        FunctionCounter.builder("moesaic.prompt_tokens", engine, e -> e.stats().promptTokens())
                .description("Prompt tokens of admitted requests").register(registry);
        FunctionCounter.builder("moesaic.generation_tokens", engine, e -> e.stats().generationTokens())
                .description("Generated tokens").register(registry);
        FunctionCounter.builder("moesaic.num_preemptions", engine, e -> e.stats().preemptions())
                .description("Sequences preempted (recomputed later) for lack of KV blocks").register(registry);
        Gauge.builder("moesaic.devices", () -> devices).description("Devices the model runs on").register(registry);
        for (DeviceMemorySnapshot d : engine.kvCache().memory()) {
            String device = d.device();
            Gauge.builder("moesaic.memory.used", engine, e -> bytes(e, device, false)).baseUnit("bytes")
                    .description("Device pool memory in use").tag("device", device).register(registry);
            Gauge.builder("moesaic.memory.peak", engine, e -> bytes(e, device, true)).baseUnit("bytes")
                    .description("Device pool memory peak").tag("device", device).register(registry);
        }
    }

    private static double bytes(InferenceEngine engine, String device, boolean peak) {
        for (DeviceMemorySnapshot d : engine.kvCache().memory()) {
            if (d.device().equals(device)) {
                return peak ? d.peakBytes() : d.usedBytes();
            }
        }
        return Double.NaN;
    }

    @Override
    public void timeToFirstToken(double seconds) {
        ttft.record((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
    }

    @Override
    public void interTokenLatency(double seconds) {
        interToken.record((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
    }

    @Override
    public void choiceFinished(FinishReason reason) {
        finished.get(reason).increment();
    }

    @Override
    public void requestFinished(double seconds, Usage usage) {
        e2e.record((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
    }

    private static Duration[] seconds(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofNanos((long) (values[i] * 1e9));
        }
        return out;
    }
}
