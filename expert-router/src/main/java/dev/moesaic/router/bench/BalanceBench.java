package dev.moesaic.router.bench;

import dev.moesaic.router.balance.AlfBalancer;
import dev.moesaic.router.balance.RoundRobinReplicas;
import dev.moesaic.router.dispatch.DispatchPlan;
import dev.moesaic.router.dispatch.Dispatcher;
import dev.moesaic.router.placement.Placement;
import dev.moesaic.router.placement.Placements;
import dev.moesaic.router.planner.EplbPlanner;
import dev.moesaic.router.planner.MinimalMovePlanner;
import dev.moesaic.router.planner.PlacementPlan;
import dev.moesaic.router.stats.LoadStatistics;
import dev.moesaic.router.stats.MaxVio;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * Device balance on a skewed, drifting routing workload ({@link DriftingZipfWorkload}) for three
 * set-ups fed the very same routing: (a) static round-robin placement, no replicas; (b) EPLB
 * placement with redundant slots, re-planned periodically from the moving average of expert loads
 * with the minimal-move planner, replicas used in turn; (c) the same placements as (b) with ALF-LB
 * choosing replicas. Reports MaxVio over devices per layer and iteration after warm-up, and the
 * expert moves the re-plans made (and, for comparison, the moves plain from-scratch EPLB re-plans
 * would have made from the same placements). A diagnostic fourth set-up, (c) with step u = 0, shows
 * what the in-iteration water-filling does without prices.
 *
 * <pre>java ... dev.moesaic.router.bench.BalanceBench [--json] [--iterations N] [--seed S]</pre>
 */
public final class BalanceBench {

    /** The workload and schedule; {@link #DEFAULT} mirrors builtin:bench (32 experts, top-4). */
    public record Config(int experts, int expertsPerToken, int layers, int tokensPerIteration, int devices,
                         int slotsPerDevice, double zipfExponent, int driftEvery, int iterations, int warmupIterations,
                         int replanEvery, double averageWeight, long seed) {
        public static final Config DEFAULT = new Config(32, 4, 12, 256, 4, 10, 1.2, 50, 3000, 500, 250, 0.02, 42);

        public Config withIterations(int n, int warmup) {
            return new Config(experts, expertsPerToken, layers, tokensPerIteration, devices, slotsPerDevice,
                    zipfExponent, driftEvery, n, warmup, replanEvery, averageWeight, seed);
        }

        public Config withSeed(long s) {
            return new Config(experts, expertsPerToken, layers, tokensPerIteration, devices, slotsPerDevice,
                    zipfExponent, driftEvery, iterations, warmupIterations, replanEvery, averageWeight, s);
        }
    }

    /** MaxVio over devices, one sample per (layer, measured iteration). */
    public record Summary(double mean, double p50, double p95, double max) {
        static Summary of(double[] samples, int n) {
            double[] s = Arrays.copyOf(samples, n);
            Arrays.sort(s);
            double sum = 0;
            for (double v : s) {
                sum += v;
            }
            return new Summary(n == 0 ? 0 : sum / n, quantile(s, 0.5), quantile(s, 0.95), n == 0 ? 0 : s[n - 1]);
        }

        private static double quantile(double[] sorted, double q) {
            return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        }
    }

    public record ScenarioResult(String name, Summary maxVioDevices, long expertMoves, int replans) {
    }

    /**
     * @param fromScratchMoves moves plain from-scratch EPLB re-plans would have made at the same points
     * @param eplbWaterFilling diagnostic: (c) without prices (u = 0)
     */
    public record Result(Config config, ScenarioResult staticRoundRobin, ScenarioResult eplb, ScenarioResult eplbAlf,
                         ScenarioResult eplbWaterFilling, long fromScratchMoves, double meanMaxVioExperts,
                         double elapsedSeconds) {
        /** The acceptance target: (c) below 0.05 after warm-up while (a) is above 0.5. */
        public boolean targetMet() {
            return eplbAlf.maxVioDevices().mean() < 0.05 && staticRoundRobin.maxVioDevices().mean() > 0.5;
        }
    }

    private BalanceBench() {
    }

    public static Result run(Config c) {
        long start = System.nanoTime();
        DriftingZipfWorkload workload = new DriftingZipfWorkload(c.layers(), c.experts(), c.expertsPerToken(),
                c.zipfExponent(), c.driftEvery(), c.seed());
        Placement staticPlacement = Placements.roundRobin(c.layers(), c.experts(), c.devices());
        // EPLB starts from the same static layout (redundant slots empty) until its first re-plan
        Placement balanced = Placements.roundRobin(c.layers(), c.experts(), c.devices(), c.slotsPerDevice());
        MinimalMovePlanner planner = new MinimalMovePlanner(EplbPlanner.global());
        LoadStatistics stats = new LoadStatistics(c.layers(), c.experts(), c.averageWeight());

        Dispatcher staticDispatch = new Dispatcher(new RoundRobinReplicas());
        Dispatcher eplbDispatch = new Dispatcher(new RoundRobinReplicas());
        Dispatcher alfDispatch = new Dispatcher(new AlfBalancer());
        Dispatcher fillDispatch = new Dispatcher(new AlfBalancer(0, 0));
        DispatchPlan plan = new DispatchPlan();

        int measured = Math.max(0, c.iterations() - c.warmupIterations()) * c.layers();
        double[] vioStatic = new double[measured];
        double[] vioEplb = new double[measured];
        double[] vioAlf = new double[measured];
        double[] vioFill = new double[measured];
        double vioExperts = 0;
        int samples = 0;
        long moves = 0;
        long scratchMoves = 0;
        int replans = 0;
        int[] routed = new int[c.tokensPerIteration() * c.expertsPerToken()];
        for (int it = 0; it < c.iterations(); it++) {
            if (it > 0 && it % c.replanEvery() == 0) {
                double[][] average = stats.expertLoadAverage();
                PlacementPlan p = planner.replan(balanced, average);
                moves += p.moves().size();
                scratchMoves += planner.fromScratch(balanced, average).moves().size();
                replans++;
                balanced = p.to();
            }
            boolean measure = it >= c.warmupIterations();
            for (int l = 0; l < c.layers(); l++) {
                workload.route(l, c.tokensPerIteration(), routed);
                stats.recordRouting(l, routed, routed.length);
                double a = deviceVio(staticDispatch, staticPlacement, l, routed, c, plan);
                double b = deviceVio(eplbDispatch, balanced, l, routed, c, plan);
                double alf = deviceVio(alfDispatch, balanced, l, routed, c, plan);
                double fill = deviceVio(fillDispatch, balanced, l, routed, c, plan);
                if (measure) {
                    vioStatic[samples] = a;
                    vioEplb[samples] = b;
                    vioAlf[samples] = alf;
                    vioFill[samples] = fill;
                    samples++;
                }
            }
            var snapshot = stats.endIteration();
            if (measure) {
                vioExperts += snapshot.meanMaxVioExperts();
            }
            workload.nextIteration();
        }
        int measuredIterations = Math.max(1, c.iterations() - c.warmupIterations());
        return new Result(c,
                new ScenarioResult("static-round-robin", Summary.of(vioStatic, samples), 0, 0),
                new ScenarioResult("eplb", Summary.of(vioEplb, samples), moves, replans),
                new ScenarioResult("eplb+alf-lb", Summary.of(vioAlf, samples), moves, replans),
                new ScenarioResult("eplb+water-filling(u=0)", Summary.of(vioFill, samples), moves, replans),
                scratchMoves, vioExperts / measuredIterations, (System.nanoTime() - start) / 1e9);
    }

    private static double deviceVio(Dispatcher dispatcher, Placement placement, int layer, int[] routed, Config c,
                                     DispatchPlan plan) {
        dispatcher.dispatch(placement, layer, routed, c.tokensPerIteration(), c.expertsPerToken(), plan);
        double sum = 0;
        int max = 0;
        for (int d = 0; d < plan.deviceCount(); d++) {
            sum += plan.deviceLoad(d);
            max = Math.max(max, plan.deviceLoad(d));
        }
        double mean = sum / plan.deviceCount();
        return mean == 0 ? 0 : (max - mean) / mean;
    }

    public static String toJson(Result r) {
        Config c = r.config();
        StringBuilder sb = new StringBuilder();
        sb.append("{\"benchmark\":\"balance\",\"workload\":{")
                .append("\"experts\":").append(c.experts())
                .append(",\"expertsPerToken\":").append(c.expertsPerToken())
                .append(",\"layers\":").append(c.layers())
                .append(",\"tokensPerIteration\":").append(c.tokensPerIteration())
                .append(",\"devices\":").append(c.devices())
                .append(",\"slotsPerDevice\":").append(c.slotsPerDevice())
                .append(",\"redundantSlots\":").append(c.devices() * c.slotsPerDevice() - c.experts())
                .append(",\"zipfExponent\":").append(num(c.zipfExponent()))
                .append(",\"driftEvery\":").append(c.driftEvery())
                .append(",\"iterations\":").append(c.iterations())
                .append(",\"warmupIterations\":").append(c.warmupIterations())
                .append(",\"replanEvery\":").append(c.replanEvery())
                .append(",\"averageWeight\":").append(num(c.averageWeight()))
                .append(",\"seed\":").append(c.seed())
                .append("},\"meanMaxVioExperts\":").append(num(r.meanMaxVioExperts()))
                .append(",\"results\":[");
        ScenarioResult[] all = {r.staticRoundRobin(), r.eplb(), r.eplbAlf(), r.eplbWaterFilling()};
        for (int i = 0; i < all.length; i++) {
            ScenarioResult s = all[i];
            Summary v = s.maxVioDevices();
            sb.append(i == 0 ? "" : ",").append("{\"name\":\"").append(s.name()).append("\",\"maxVioDevices\":{")
                    .append("\"mean\":").append(num(v.mean()))
                    .append(",\"p50\":").append(num(v.p50()))
                    .append(",\"p95\":").append(num(v.p95()))
                    .append(",\"max\":").append(num(v.max()))
                    .append("},\"expertMoves\":").append(s.expertMoves())
                    .append(",\"replans\":").append(s.replans())
                    .append(",\"diagnostic\":").append(s == r.eplbWaterFilling()).append('}');
        }
        sb.append("],\"fromScratchExpertMoves\":").append(r.fromScratchMoves());
        sb.append(",\"target\":{\"eplbAlfMeanBelow\":0.05,\"staticMeanAbove\":0.5,\"met\":").append(r.targetMet())
                .append("},\"elapsedSeconds\":").append(num(r.elapsedSeconds())).append('}');
        return sb.toString();
    }

    public static String toTable(Result r) {
        StringBuilder sb = new StringBuilder();
        Config c = r.config();
        sb.append(String.format(Locale.ROOT, "balance: %d experts top-%d, %d layers, %d tokens/iteration, %d devices x %d"
                        + " slots, Zipf s=%.2f drifting every %d, %d iterations (%d warm-up), re-plan every %d%n",
                c.experts(), c.expertsPerToken(), c.layers(), c.tokensPerIteration(), c.devices(), c.slotsPerDevice(),
                c.zipfExponent(), c.driftEvery(), c.iterations(), c.warmupIterations(), c.replanEvery()));
        sb.append(String.format(Locale.ROOT, "model's own imbalance: MaxVio over experts %.3f%n", r.meanMaxVioExperts()));
        sb.append(String.format(Locale.ROOT, "%-24s %8s %8s %8s %8s %8s%n", "MaxVio over devices", "mean", "p50", "p95",
                "max", "moves"));
        for (ScenarioResult s : new ScenarioResult[] {r.staticRoundRobin(), r.eplb(), r.eplbAlf(),
            r.eplbWaterFilling()}) {
            Summary v = s.maxVioDevices();
            sb.append(String.format(Locale.ROOT, "%-24s %8.4f %8.4f %8.4f %8.4f %8d%n", s.name(), v.mean(), v.p50(),
                    v.p95(), v.max(), s.expertMoves()));
        }
        sb.append(String.format(Locale.ROOT, "moves of the %d re-plans: %d (from-scratch EPLB would have made %d)%n",
                r.eplb().replans(), r.eplb().expertMoves(), r.fromScratchMoves()));
        sb.append(String.format(Locale.ROOT, "target (c) < 0.05 and (a) > 0.5: %s (%.1f s)%n",
                r.targetMet() ? "met" : "NOT met", r.elapsedSeconds()));
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    /** Runs with command-line arguments; returns the process exit code (2 = bad arguments). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Config c = Config.DEFAULT;
        boolean json = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--json" -> json = true;
                    case "--iterations" -> {
                        int n = Integer.parseInt(value(args, ++i, "--iterations"));
                        if (n < 1) {
                            throw new IllegalArgumentException("--iterations must be >= 1, got " + n);
                        }
                        c = c.withIterations(n, Math.min(c.warmupIterations(), n / 2));
                    }
                    case "--seed" -> c = c.withSeed(Long.parseLong(value(args, ++i, "--seed")));
                    case "--zipf" -> c = new Config(c.experts(), c.expertsPerToken(), c.layers(), c.tokensPerIteration(),
                            c.devices(), c.slotsPerDevice(), Double.parseDouble(value(args, ++i, "--zipf")), c.driftEvery(),
                            c.iterations(), c.warmupIterations(), c.replanEvery(), c.averageWeight(), c.seed());
                    case "--drift-every" -> c = new Config(c.experts(), c.expertsPerToken(), c.layers(),
                            c.tokensPerIteration(), c.devices(), c.slotsPerDevice(), c.zipfExponent(),
                            Integer.parseInt(value(args, ++i, "--drift-every")), c.iterations(), c.warmupIterations(),
                            c.replanEvery(), c.averageWeight(), c.seed());
                    case "--replan-every" -> c = new Config(c.experts(), c.expertsPerToken(), c.layers(),
                            c.tokensPerIteration(), c.devices(), c.slotsPerDevice(), c.zipfExponent(), c.driftEvery(),
                            c.iterations(), c.warmupIterations(), Integer.parseInt(value(args, ++i, "--replan-every")),
                            c.averageWeight(), c.seed());
                    case "--slots" -> c = new Config(c.experts(), c.expertsPerToken(), c.layers(), c.tokensPerIteration(),
                            c.devices(), Integer.parseInt(value(args, ++i, "--slots")), c.zipfExponent(), c.driftEvery(),
                            c.iterations(), c.warmupIterations(), c.replanEvery(), c.averageWeight(), c.seed());
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("bench balance: " + e.getMessage());
            err.println("usage: bench balance [--json] [--iterations N] [--seed S]");
            return 2;
        }
        Result r = run(c);
        out.println(json ? toJson(r) : toTable(r));
        return 0;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }
}
