package dev.moesaic.serving.ops;

import dev.moesaic.engine.device.Device;
import dev.moesaic.engine.elastic.Autoscaler;
import dev.moesaic.engine.elastic.AutoscalerSignals;
import dev.moesaic.engine.elastic.ElasticEngine;
import dev.moesaic.engine.elastic.ScalePhase;
import dev.moesaic.engine.elastic.ScaleStatus;
import dev.moesaic.engine.runtime.EngineObserver;
import dev.moesaic.engine.runtime.FinishReason;
import dev.moesaic.engine.runtime.InferenceEngine;
import dev.moesaic.engine.runtime.Usage;
import dev.moesaic.memory.DeviceMemorySnapshot;
import dev.moesaic.router.stats.LoadSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The engine's numbers as Prometheus metrics, named like vLLM's where the meaning is the same
 * ({@code vllm:num_requests_running} is {@code moesaic_num_requests_running}, and so on; the full
 * list is in docs/SERVING.md), plus devices, expert load, scaling and autoscaler metrics.
 * Latencies come in as {@link EngineObserver} events from the engine loop; counts, KV usage, memory
 * and loads are read when Prometheus scrapes ({@link #refresh()}).
 */
@Component
public final class EngineMetrics implements EngineObserver {
    private static final Duration[] TTFT_BUCKETS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5,
            5, 7.5, 10, 20, 40, 80, 160, 640);
    private static final Duration[] ITL_BUCKETS = seconds(0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1,
            0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80);
    private static final Duration[] E2E_BUCKETS = seconds(0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480,
            960, 1920, 7680);
    private static final Duration[] PHASE_BUCKETS = seconds(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300);
    /** Inter-token latencies kept for the autoscaler's median. */
    private static final int ITL_WINDOW = 512;

    private final MeterRegistry registry;
    private final Timer ttft;
    private final Timer interToken;
    private final Timer e2e;
    private final Map<FinishReason, Counter> finished = new EnumMap<>(FinishReason.class);
    private final MultiGauge memoryUsed;
    private final MultiGauge memoryPeak;
    private final MultiGauge maxVio;
    private final Set<Integer> deviceCounters = new HashSet<>();
    private final double[] recentItl = new double[ITL_WINDOW];
    private int recentItlCount;
    private int recentItlNext;
    private long lastBusyNanos;
    private long lastSampleNanos = System.nanoTime();
    private volatile ElasticEngine elastic;

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
        memoryUsed = MultiGauge.builder("moesaic.memory.used").baseUnit("bytes").description("Device pool memory in use")
                .register(registry);
        memoryPeak = MultiGauge.builder("moesaic.memory.peak").baseUnit("bytes")
                .description("Device pool memory peak (reset at the start of each scaling operation)").register(registry);
        maxVio = MultiGauge.builder("moesaic.expert_load_maxvio")
                .description("Load imbalance (max - mean) / mean of the last iteration, averaged over MoE layers").register(registry);
    }

    /** Gauges and counters read from the engine (called once, when the model has loaded). */
    public void bind(ElasticEngine served) {
        this.elastic = served;
        InferenceEngine engine = served.engine();
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
                .description("Sequences preempted (recomputed later) for lack of KV blocks or after a device failure")
                .register(registry);
        Gauge.builder("moesaic.devices", served, ElasticEngine::deviceCount).description("Devices the model runs on").register(registry);
        if (served.controller() != null) {
            FunctionCounter.builder("moesaic.scale.bytes_moved", served.controller(), c -> c.bytesCopied()).baseUnit("bytes")
                    .description("Expert bytes copied between device pools by scaling, rebalancing and recovery").register(registry);
            served.controller().setListener(this::scaleStatus);
        }
        refresh();
    }

    /** Re-reads the per-device gauges (devices come and go with scaling); called before every scrape. */
    public void refresh() {
        ElasticEngine served = elastic;
        if (served == null) {
            return;
        }
        List<MultiGauge.Row<?>> used = new ArrayList<>();
        List<MultiGauge.Row<?>> peak = new ArrayList<>();
        for (DeviceMemorySnapshot d : served.memory().snapshot()) {
            used.add(MultiGauge.Row.of(Tags.of("device", d.device()), d.usedBytes()));
            peak.add(MultiGauge.Row.of(Tags.of("device", d.device()), d.peakBytes()));
        }
        if (served.controller() == null) {
            for (DeviceMemorySnapshot d : served.kvCache().memory()) {
                used.add(MultiGauge.Row.of(Tags.of("device", d.device()), d.usedBytes()));
                peak.add(MultiGauge.Row.of(Tags.of("device", d.device()), d.peakBytes()));
            }
        }
        memoryUsed.register(used, true);
        memoryPeak.register(peak, true);
        if (served.controller() != null) {
            for (Device d : served.controller().devices()) {
                if (deviceCounters.add(d.id())) {
                    FunctionCounter.builder("moesaic.device_expert_tokens", d, Device::expertTokens)
                            .description("(token, expert) assignments computed by the device").tag("device", d.name()).register(registry);
                }
            }
        }
        if (served.statistics() != null) {
            LoadSnapshot s = served.statistics().snapshot();
            maxVio.register(List.of(MultiGauge.Row.of(Tags.of("scope", "device"), s.meanMaxVioDevices()),
                    MultiGauge.Row.of(Tags.of("scope", "expert"), s.meanMaxVioExperts())), true);
        }
    }

    private void scaleStatus(ScaleStatus s) {
        if (!s.phase().isFinal()) {
            return;
        }
        String result = switch (s.phase()) {
            case DONE -> "success";
            case ROLLED_BACK -> "rolled_back";
            default -> "failed";
        };
        Counter.builder("moesaic.scale.operations").description("Scaling, rebalancing and recovery operations by result")
                .tag("kind", s.kind()).tag("result", result).register(registry).increment();
        for (Map.Entry<ScalePhase, Long> e : s.phaseMillis().entrySet()) {
            Timer.builder("moesaic.scale.phase").description("Time spent per phase of scaling operations")
                    .serviceLevelObjectives(PHASE_BUCKETS).tag("phase", e.getKey().name().toLowerCase(java.util.Locale.ROOT))
                    .register(registry).record(e.getValue(), TimeUnit.MILLISECONDS);
        }
        Gauge.builder("moesaic.scale.last_peak_expert_bytes", this, m -> m.lastPeak).baseUnit("bytes")
                .description("Peak pool bytes of expert slots during the last scaling operation").register(registry);
        lastPeak = s.peakExpertBytes();
    }

    private volatile double lastPeak;

    /** Counts an autoscaler decision by action and reason kind. */
    public void autoscalerDecision(Autoscaler.Decision d) {
        String reason = d.reason().startsWith("idle") ? "idle" : d.reason().contains("latency") ? "latency"
                : d.reason().contains("waiting") ? "queue" : "other";
        Counter.builder("moesaic.autoscaler.decisions").description("Autoscaler decisions by action and reason")
                .tag("decision", d.action()).tag("reason", reason).register(registry).increment();
    }

    /** What the autoscaler samples: queue, running, median recent inter-token latency, engine utilisation since the last sample. */
    public synchronized AutoscalerSignals autoscalerSignals() {
        ElasticEngine served = elastic;
        if (served == null) {
            return new AutoscalerSignals(0, 0, 0, 0);
        }
        var stats = served.engine().stats();
        long now = System.nanoTime();
        long busy = served.engine().busyNanos();
        double utilisation = now == lastSampleNanos ? 0 : Math.min(1, (busy - lastBusyNanos) / (double) (now - lastSampleNanos));
        lastBusyNanos = busy;
        lastSampleNanos = now;
        double[] window = java.util.Arrays.copyOf(recentItl, recentItlCount);
        recentItlCount = 0;
        java.util.Arrays.sort(window);
        double p50 = window.length == 0 ? 0 : window[window.length / 2] * 1000;
        return new AutoscalerSignals(stats.waitingSequences(), stats.runningSequences(), p50, utilisation);
    }

    @Override
    public void timeToFirstToken(double seconds) {
        ttft.record((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
    }

    @Override
    public void interTokenLatency(double seconds) {
        interToken.record((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
        synchronized (this) {
            recentItl[recentItlNext] = seconds;
            recentItlNext = (recentItlNext + 1) % ITL_WINDOW;
            recentItlCount = Math.min(ITL_WINDOW, recentItlCount + 1);
        }
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
