package dev.moesaic.serving.bench;

import dev.moesaic.engine.cli.CliArgs;
import dev.moesaic.engine.cli.Json;
import dev.moesaic.engine.device.ExpertLayout;
import dev.moesaic.engine.elastic.ElasticEngine;
import dev.moesaic.engine.elastic.ScaleController;
import dev.moesaic.engine.elastic.ScaleStatus;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.runtime.ChoiceEnd;
import dev.moesaic.engine.runtime.EngineConfig;
import dev.moesaic.engine.runtime.FinishReason;
import dev.moesaic.engine.runtime.GenerationListener;
import dev.moesaic.engine.runtime.GenerationRequest;
import dev.moesaic.engine.runtime.TokenEvent;
import dev.moesaic.engine.runtime.Usage;
import dev.moesaic.engine.sampler.SamplingParams;
import dev.moesaic.memory.CopyEngine;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code moesaic bench scale}: ElasticMoE's evaluation in one run. Concurrent streams generate without
 * pause on N devices; the bench measures steady throughput, then scales N -> N+1 while the streams
 * go on and reports the scale-up latency (request -> the new placement serving), throughput during
 * the scaling window relative to before, failed requests, the longest token gap of any stream
 * during scaling against the median gap, and bytes copied against the model's expert bytes. The
 * baseline is measured in the same run: a cold restart of the server with N+1 devices (a new
 * process) until its first streamed token arrives.
 */
public final class ScaleBench {
    public static final String USAGE = """
            usage: moesaic bench scale [--model builtin:bench] [--from 2] [--to 3] [--streams 8] [--steady-seconds 10]
                                       [--layers-in-flight 4] [--copy kernel|mapped] [--no-restart] [--json]
            """;

    private ScaleBench() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArgs a;
        try {
            a = CliArgs.parse(args, Set.of("model", "from", "to", "streams", "steady-seconds", "layers-in-flight", "threads", "copy"),
                    Set.of("json", "help", "no-restart"));
            if (a.has("help")) {
                out.print(USAGE);
                return 0;
            }
        } catch (CliArgs.UsageException e) {
            err.println("moesaic bench scale: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        String spec = a.get("model", "builtin:bench");
        int from = a.getInt("from", 2);
        int to = a.getInt("to", 3);
        int streams = a.getInt("streams", 8);
        long steadyMillis = a.getInt("steady-seconds", 10) * 1000L;
        CopyEngine.Method copy;
        try {
            copy = CopyEngine.Method.valueOf(a.get("copy", "kernel").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("moesaic bench scale: --copy is kernel or mapped, got '" + a.get("copy", "") + "'");
            return 2;
        }
        if (from < 1 || to <= from || streams < 1) {
            err.println("moesaic bench scale: need 1 <= --from < --to and --streams >= 1");
            return 2;
        }
        Measurements m = new Measurements();
        try (LoadedModel model = Models.open(spec, null, err)) {
            ElasticEngine.Options options = new ElasticEngine.Options(from, a.getInt("threads", 0), 16, 64L << 20,
                    new EngineConfig(512, Math.max(streams, 1), Math.max(streams, 1)),
                    new ScaleController.Options(8, 0, 0, 0, a.getInt("layers-in-flight", 4), copy));
            long expertBytes = 0;
            try (ElasticEngine served = ElasticEngine.start(model, options, null)) {
                for (ExpertLayout l : served.fleet().layouts()) {
                    expertBytes += l.expertBytes() * l.expertCount();
                }
                Streams load = new Streams(served, streams, model.config().vocabSize());
                load.start();
                load.awaitTokens(streams * 8L, 600_000); // warm-up: JIT, page faults
                long t0 = System.nanoTime();
                long tokens0 = load.tokens.get();
                Thread.sleep(steadyMillis);
                long t1 = System.nanoTime();
                long tokens1 = load.tokens.get();
                m.steadyTps = (tokens1 - tokens0) / ((t1 - t0) / 1e9);
                m.medianGapMs = load.gaps.median(t0, t1);

                long request = System.nanoTime();
                String id = served.controller().requestScale(to).id();
                ScaleStatus s;
                do {
                    Thread.sleep(2);
                    s = served.controller().status(id);
                } while (!s.phase().isFinal());
                long done = System.nanoTime();
                long tokens2 = load.tokens.get();
                m.status = s;
                m.scaleMillis = s.servingMillis();
                m.windowMillis = (done - request) / 1e6;
                m.duringTps = (tokens2 - tokens1) / ((done - request) / 1e9);
                m.maxGapMs = load.gaps.max(request, done);
                load.stop();
                m.failed = load.failed.get();
                m.completed = load.completed.get();
                m.bytesMoved = s.bytesMoved();
                m.expertBytes = expertBytes;
            }
        } catch (RuntimeException | InterruptedException e) {
            err.println("moesaic bench scale: " + e.getMessage());
            return 1;
        }
        if (!a.has("no-restart")) {
            try {
                m.coldRestartMillis = coldRestart(spec, to, err);
            } catch (IOException | InterruptedException | RuntimeException e) {
                err.println("moesaic bench scale: cold restart baseline failed: " + e.getMessage());
                return 1;
            }
        }
        double ratio = m.coldRestartMillis > 0 ? m.coldRestartMillis / Math.max(1.0, m.scaleMillis) : Double.NaN;
        if (a.has("json")) {
            out.println(Json.object("benchmark", "scale", "model", spec, "from_devices", from, "to_devices", to, "streams", streams,
                    "copy_method", copy.name().toLowerCase(Locale.ROOT),
                    "scale_up_latency_ms", m.scaleMillis, "scaling_window_ms", round(m.windowMillis),
                    "cold_restart_ms", m.coldRestartMillis, "speedup_vs_cold_restart", round(ratio),
                    "steady_tok_s", round(m.steadyTps), "during_scaling_tok_s", round(m.duringTps),
                    "throughput_ratio", round(m.duringTps / m.steadyTps), "failed_requests", m.failed, "completed_requests", m.completed,
                    "max_token_gap_during_scaling_ms", round(m.maxGapMs), "median_token_gap_ms", round(m.medianGapMs),
                    "bytes_copied", m.bytesMoved, "model_expert_bytes", m.expertBytes,
                    "bytes_copied_fraction", round(m.bytesMoved / (double) m.expertBytes),
                    "peak_expert_bytes", m.status.peakExpertBytes(), "steady_expert_bytes", m.status.steadyExpertBytes(),
                    "phase", m.status.phase().name().toLowerCase(Locale.ROOT), "phase_millis", phaseMillis(m.status)));
        } else {
            out.printf(Locale.ROOT, "scale %d -> %d devices under %d streams: new placement serving after %d ms (window %.0f ms)%n",
                    from, to, streams, m.scaleMillis, m.windowMillis);
            out.printf(Locale.ROOT, "cold restart with %d devices to first token: %d ms (%.1fx slower)%n", to, m.coldRestartMillis, ratio);
            out.printf(Locale.ROOT, "throughput %.1f tok/s steady, %.1f tok/s while scaling (%.2f); failed requests %d of %d%n",
                    m.steadyTps, m.duringTps, m.duringTps / m.steadyTps, m.failed, m.completed + m.failed);
            out.printf(Locale.ROOT, "longest token gap while scaling %.1f ms (median gap %.1f ms); copied %d of %d expert bytes%n",
                    m.maxGapMs, m.medianGapMs, m.bytesMoved, m.expertBytes);
        }
        return m.failed == 0 ? 0 : 1;
    }

    private static final class Measurements {
        double steadyTps;
        double duringTps;
        double medianGapMs;
        double maxGapMs;
        long scaleMillis;
        double windowMillis;
        long coldRestartMillis = -1;
        int failed;
        int completed;
        long bytesMoved;
        long expertBytes;
        ScaleStatus status;
    }

    /**
     * Starts {@code moesaic serve} with {@code devices} devices in a new JVM (this jar, these JVM
     * flags) and times process start -> first streamed token of a completion.
     */
    static long coldRestart(String spec, int devices, PrintStream err) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String javaBinary = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        String classPath = System.getProperty("java.class.path");
        if (classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)) {
            cmd.addAll(List.of("-jar", classPath)); // the launcher's runnable jar (a Spring Boot jar needs -jar)
        } else {
            cmd.addAll(List.of("-cp", classPath, "dev.moesaic.Moesaic"));
        }
        cmd.addAll(List.of("serve", "--model", spec, "--devices", String.valueOf(devices), "--port", String.valueOf(port)));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(new File(System.getProperty("java.io.tmpdir"),
                "moesaic-cold-restart.log")).start();
        try {
            String body = "{\"model\":\"" + spec + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":4,\"stream\":true}";
            while (true) {
                if (!p.isAlive()) {
                    throw new IOException("the server exited with " + p.exitValue() + " (see " + System.getProperty("java.io.tmpdir")
                            + "/moesaic-cold-restart.log)");
                }
                if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
                    throw new IOException("the restarted server did not answer within 10 minutes");
                }
                try {
                    HttpResponse<java.io.InputStream> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/v1/completions")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                            .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
                    if (r.statusCode() == 200) {
                        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = in.readLine()) != null) {
                                if (line.startsWith("data: {") && line.contains("\"text\":\"") && !line.contains("\"text\":\"\"")) {
                                    return (System.nanoTime() - start) / 1_000_000;
                                }
                            }
                        }
                    } else {
                        r.body().close();
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(50);
            }
        } finally {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** {@code n} clients that each submit a request, and a new one as soon as it ends, recording every token's time. */
    private static final class Streams {
        final ElasticEngine served;
        final int n;
        final int vocab;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong tokens = new AtomicLong();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();
        final Gaps gaps = new Gaps();
        final List<Thread> threads = new ArrayList<>();

        Streams(ElasticEngine served, int n, int vocab) {
            this.served = served;
            this.n = n;
            this.vocab = vocab;
        }

        void start() {
            for (int i = 0; i < n; i++) {
                int client = i;
                threads.add(Thread.ofPlatform().daemon(true).name("bench-client-" + i).start(() -> client(client)));
            }
        }

        private void client(int client) {
            SplittableRandom rnd = new SplittableRandom(client);
            for (int r = 0; !stop.get(); r++) {
                int[] prompt = rnd.ints(16, 3, vocab).toArray();
                java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
                long[] last = {0};
                served.engine().submit(new GenerationRequest("s" + client + "-" + r, prompt, 64, SamplingParams.GREEDY, List.of(), 1, 0, true),
                        new GenerationListener() {
                            @Override
                            public void onToken(TokenEvent event) {
                                long now = System.nanoTime();
                                if (last[0] != 0) {
                                    gaps.add(now, now - last[0]);
                                }
                                last[0] = now;
                                tokens.incrementAndGet();
                            }

                            @Override
                            public void onChoiceEnd(ChoiceEnd end) {
                                if (end.reason() == FinishReason.ERROR || end.reason() == FinishReason.ABORT && !stop.get()) {
                                    failed.incrementAndGet();
                                }
                            }

                            @Override
                            public void onComplete(Usage usage) {
                                completed.incrementAndGet();
                                done.complete(null);
                            }
                        });
                try {
                    done.get();
                } catch (Exception e) {
                    failed.incrementAndGet();
                    return;
                }
            }
        }

        void awaitTokens(long count, long timeoutMillis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMillis;
            while (tokens.get() < count && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(600_000);
            }
        }
    }

    /** Token gaps with the time they ended, for windowed statistics. */
    private static final class Gaps {
        private final List<long[]> gaps = Collections.synchronizedList(new ArrayList<>());

        void add(long at, long gap) {
            gaps.add(new long[] {at, gap});
        }

        private List<Long> between(long from, long to) {
            synchronized (gaps) {
                return gaps.stream().filter(g -> g[0] >= from && g[0] <= to).map(g -> g[1]).sorted().toList();
            }
        }

        double median(long from, long to) {
            List<Long> g = between(from, to);
            return g.isEmpty() ? 0 : g.get(g.size() / 2) / 1e6;
        }

        double max(long from, long to) {
            List<Long> g = between(from, to);
            return g.isEmpty() ? 0 : g.getLast() / 1e6;
        }
    }

    private static java.util.Map<String, Long> phaseMillis(ScaleStatus s) {
        java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
        s.phaseMillis().forEach((k, v) -> out.put(k.name().toLowerCase(Locale.ROOT), v));
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
