package dev.moesaic.engine.cli;

import dev.moesaic.engine.eval.SelectionBiasEvaluation;
import dev.moesaic.engine.forward.Generator;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.kernel.EngineKernels;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.sampler.SamplingParams;
import dev.moesaic.router.balance.SelectionBiasBalancer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code moesaic bench routing-bias}: the effect of serving-time ALF-LB on the model's own routing
 * (top-1 agreement and KL divergence against exact routing, and the expert-load MaxVio it buys), so
 * an operator can judge the trade before switching it on.
 */
public final class RoutingBiasCommand {
    public static final String USAGE = """
            usage: moesaic bench routing-bias [--model M[,M2...]] [--tokens 64] [--chunk 8] [--step 0.001] [--cap 0.05] [--json]
              runs each model's greedy continuation of a fixed prompt with exact routing and with online
              selection biases (updated every --chunk tokens), and compares next-token distributions
            """;

    private RoutingBiasCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArgs a;
        try {
            a = CliArgs.parse(args, Set.of("model", "tokens", "chunk", "step", "cap"), Set.of("json", "help"));
            if (a.has("help")) {
                out.print(USAGE);
                return 0;
            }
        } catch (CliArgs.UsageException e) {
            err.println("moesaic bench routing-bias: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        int total = a.getInt("tokens", 64);
        int chunk = a.getInt("chunk", 8);
        SelectionBiasBalancer.Config config = SelectionBiasBalancer.Config.enabled(a.getFloat("step", 0.001f), a.getFloat("cap", 0.05f));
        List<Map<String, Object>> results = new ArrayList<>();
        try (EngineKernels kernels = EngineKernels.create(0)) {
            for (String spec : a.get("model", "builtin:tiny-moe").split(",")) {
                try (LoadedModel model = Models.open(spec.trim(), null, err)) {
                    int[] prompt = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315};
                    int[] tokens = continuation(model, kernels, prompt, total);
                    SelectionBiasEvaluation r = SelectionBiasEvaluation.run(model, kernels.kernels(), tokens, chunk, config);
                    results.add(Map.of("model", r.model(), "positions", r.positions(), "top1_agreement", r.top1Agreement(),
                            "mean_kl", r.meanKl(), "max_kl", r.maxKl(), "expert_maxvio_exact", r.expertMaxVioExact(),
                            "expert_maxvio_biased", r.expertMaxVioBiased()));
                    if (!a.has("json")) {
                        out.printf("%-40s top-1 agreement %.3f  mean KL %.5f  max KL %.5f  expert MaxVio %.3f -> %.3f%n", r.model(),
                                r.top1Agreement(), r.meanKl(), r.maxKl(), r.expertMaxVioExact(), r.expertMaxVioBiased());
                    }
                }
            }
        } catch (RuntimeException e) {
            err.println("moesaic bench routing-bias: " + e.getMessage());
            return 1;
        }
        if (a.has("json")) {
            out.println(Json.object("benchmark", "routing-bias", "tokens_per_iteration", chunk, "step", config.step(), "cap", config.cap(),
                    "results", results));
        }
        return 0;
    }

    /** The prompt followed by its exact-routing greedy continuation, {@code total} tokens in all. */
    private static int[] continuation(LoadedModel model, EngineKernels kernels, int[] prompt, int total) {
        int vocab = model.config().vocabSize();
        int[] p = java.util.Arrays.stream(prompt).map(id -> id % vocab).toArray();
        Transformer t = Transformer.local(model.config(), model.weights(), kernels.kernels());
        int[] gen = new Generator(model, t).generate(p, Math.max(0, total - p.length), SamplingParams.GREEDY, id -> false, id -> true);
        int[] all = java.util.Arrays.copyOf(p, p.length + gen.length);
        System.arraycopy(gen, 0, all, p.length, gen.length);
        return all;
    }
}
