package dev.moesaic.serving.bench;

import dev.moesaic.engine.cli.CliArgs;
import dev.moesaic.engine.cli.Json;
import dev.moesaic.engine.elastic.ElasticEngine;
import dev.moesaic.engine.elastic.ScaleController;
import dev.moesaic.engine.forward.KvLayout;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.runtime.ChoiceEnd;
import dev.moesaic.engine.runtime.EngineConfig;
import dev.moesaic.engine.runtime.GenerationListener;
import dev.moesaic.engine.runtime.GenerationRequest;
import dev.moesaic.engine.runtime.InferenceEngine;
import dev.moesaic.engine.runtime.TokenEvent;
import dev.moesaic.engine.runtime.Usage;
import dev.moesaic.engine.sampler.SamplingParams;
import dev.moesaic.engine.tokenizer.BuiltinVocabulary;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code moesaic bench serve}: the serving engine in-process (no HTTP) under N concurrent streams,
 * the way llama.cpp's batched bench measures it: every stream gets a prompt of {@code --prompt-tokens}
 * random ids and generates exactly {@code --max-tokens} tokens (end-of-generation ignored, greedy).
 * For each concurrency it reports aggregate generated tokens per second (all streams' tokens over the
 * wall time from the first submit to the last token), and p50/p95 of time to first token and of the
 * gaps between consecutive tokens of a stream.
 */
public final class ServeBench {
    public static final String USAGE = """
            usage: moesaic bench serve [--model builtin:bench] [--concurrency 1,4,16,64] [--prompt-tokens 16]
                                       [--max-tokens 64] [--threads N] [--devices N] [--seed S] [--json]
              measures aggregate tokens/s, TTFT and inter-token latency percentiles of the engine at each concurrency
            """;

    /** One concurrency level's measurements (milliseconds for latencies). */
    public record Result(int concurrency, long generatedTokens, double wallSeconds, double tokensPerSecond, double ttftP50Ms,
                         double ttftP95Ms, double itlP50Ms, double itlP95Ms, long iterations) {
    }

    private ServeBench() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArgs a;
        try {
            a = CliArgs.parse(args, Set.of("model", "concurrency", "prompt-tokens", "max-tokens", "threads", "seed", "devices"),
                    Set.of("json", "help"));
            if (a.has("help")) {
                out.print(USAGE);
                return 0;
            }
        } catch (CliArgs.UsageException e) {
            err.println("moesaic bench serve: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        int[] levels = a.getInts("concurrency") == null ? new int[] {1, 4, 16, 64} : a.getInts("concurrency");
        int promptTokens = a.getInt("prompt-tokens", 16);
        int maxTokens = a.getInt("max-tokens", 64);
        long seed = a.getLong("seed", 42);
        boolean json = a.has("json");
        String spec = a.get("model", "builtin:bench");
        if (promptTokens < 1 || maxTokens < 1 || Arrays.stream(levels).anyMatch(c -> c < 1)) {
            err.println("moesaic bench serve: --prompt-tokens, --max-tokens and every --concurrency must be >= 1");
            return 2;
        }
        int maxLevel = Arrays.stream(levels).max().orElse(1);
        try (LoadedModel model = Models.open(spec, null, err)) {
            KvLayout layout = model.kvLayout(16);
            long kvBytes = layout.blockBytes() * maxLevel * (layout.blocksFor(promptTokens + maxTokens) + 1);
            int maxRunning = Math.max(maxLevel, 1);
            // the server's own stack: devices (expert slots in device pools), scale controller, paged KV, engine loop
            try (ElasticEngine served = ElasticEngine.start(model, new ElasticEngine.Options(a.getInt("devices", 1),
                    a.getInt("threads", 0), 16, kvBytes, new EngineConfig(Math.max(512, maxRunning), maxRunning, Math.max(maxLevel, 1)),
                    ScaleController.Options.defaults()), null)) {
                InferenceEngine engine = served.engine();
                {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    int vocab = model.config().vocabSize();
                    // warm-up: JIT-compile the forward pass before measuring
                    round(engine, 1, promptTokens, Math.min(4, maxTokens), rnd, vocab, "warmup");
                    List<Result> results = new ArrayList<>();
                    for (int c : levels) {
                        Result r = round(engine, c, promptTokens, maxTokens, rnd, vocab, "c" + c);
                        results.add(r);
                        if (!json) {
                            out.printf(Locale.ROOT, "concurrency %3d: %8.2f tok/s  ttft p50 %8.1f ms p95 %8.1f ms  itl p50 %7.1f ms "
                                            + "p95 %7.1f ms  (%d tokens in %.1f s, %d iterations)%n", c, r.tokensPerSecond(),
                                    r.ttftP50Ms(), r.ttftP95Ms(), r.itlP50Ms(), r.itlP95Ms(), r.generatedTokens(), r.wallSeconds(),
                                    r.iterations());
                            out.flush();
                        }
                    }
                    if (json) {
                        out.println(toJson(spec, promptTokens, maxTokens, results));
                    }
                }
            }
            return 0;
        } catch (RuntimeException | InterruptedException e) {
            err.println("moesaic bench serve: " + e.getMessage());
            return 1;
        }
    }

    /** Submits {@code streams} requests at once and waits for all of them. */
    static Result round(InferenceEngine engine, int streams, int promptTokens, int maxTokens, SplittableRandom rnd, int vocab,
                        String tag) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(streams);
        long[][] tokenTimes = new long[streams][maxTokens];
        int[] counts = new int[streams];
        long[] submitted = new long[streams];
        long iterationsBefore = engine.stats().iterations();
        long start = System.nanoTime();
        for (int s = 0; s < streams; s++) {
            int[] prompt = new int[promptTokens];
            prompt[0] = BuiltinVocabulary.BOS_ID < vocab ? BuiltinVocabulary.BOS_ID : 0;
            for (int i = 1; i < promptTokens; i++) {
                prompt[i] = BuiltinVocabulary.FIRST_BYTE_ID + rnd.nextInt(vocab - BuiltinVocabulary.FIRST_BYTE_ID);
            }
            int stream = s;
            submitted[s] = System.nanoTime();
            engine.submit(new GenerationRequest("bench-" + tag + "-" + s, prompt, maxTokens, SamplingParams.GREEDY, List.of(), 1, -1,
                    true), new GenerationListener() {
                @Override
                public void onToken(TokenEvent event) {
                    if (counts[stream] < maxTokens) {
                        tokenTimes[stream][counts[stream]++] = System.nanoTime();
                    }
                }

                @Override
                public void onChoiceEnd(ChoiceEnd end) {
                }

                @Override
                public void onComplete(Usage usage) {
                    done.countDown();
                }
            });
        }
        if (!done.await(6, TimeUnit.HOURS)) {
            throw new IllegalStateException("the bench round with " + streams + " streams did not finish");
        }
        long end = 0;
        long total = 0;
        List<Double> ttft = new ArrayList<>();
        List<Double> gaps = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            total += counts[s];
            if (counts[s] > 0) {
                ttft.add((tokenTimes[s][0] - submitted[s]) / 1e6);
                end = Math.max(end, tokenTimes[s][counts[s] - 1]);
            }
            for (int i = 1; i < counts[s]; i++) {
                gaps.add((tokenTimes[s][i] - tokenTimes[s][i - 1]) / 1e6);
            }
        }
        double wall = (end - start) / 1e9;
        return new Result(streams, total, wall, total / wall, percentile(ttft, 50), percentile(ttft, 95), percentile(gaps, 50),
                percentile(gaps, 95), engine.stats().iterations() - iterationsBefore);
    }

    /** Nearest-rank percentile (0 for no values). */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return 0;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }

    private static String toJson(String model, int promptTokens, int maxTokens, List<Result> results) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("bench", "serve");
        root.put("model", model);
        root.put("prompt_tokens", promptTokens);
        root.put("generated_tokens_per_stream", maxTokens);
        root.put("cores", Runtime.getRuntime().availableProcessors());
        ArrayNode list = root.putArray("results");
        for (Result r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("concurrency", r.concurrency());
            m.put("tokens_per_second", round2(r.tokensPerSecond()));
            m.put("ttft_ms_p50", round2(r.ttftP50Ms()));
            m.put("ttft_ms_p95", round2(r.ttftP95Ms()));
            m.put("inter_token_ms_p50", round2(r.itlP50Ms()));
            m.put("inter_token_ms_p95", round2(r.itlP95Ms()));
            m.put("generated_tokens", r.generatedTokens());
            m.put("wall_seconds", round2(r.wallSeconds()));
            m.put("iterations", r.iterations());
            list.add(Json.mapper().valueToTree(m));
        }
        return Json.mapper().writeValueAsString(root);
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
