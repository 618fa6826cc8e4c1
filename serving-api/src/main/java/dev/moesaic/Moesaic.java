package dev.moesaic;

import dev.moesaic.engine.cli.CliArgs;
import dev.moesaic.engine.cli.ExportGgufCommand;
import dev.moesaic.engine.cli.GenerateCommand;
import dev.moesaic.engine.cli.ModelBenchCommand;
import dev.moesaic.engine.cli.RoutingBiasCommand;
import dev.moesaic.memory.bench.MemoryBench;
import dev.moesaic.memory.bench.PeerCopyBench;
import dev.moesaic.router.bench.BalanceBench;
import dev.moesaic.serving.ServeCommand;
import dev.moesaic.serving.bench.ScaleBench;
import dev.moesaic.serving.bench.ServeBench;
import java.util.Arrays;

/** Entry point of the runnable jar: dispatches {@code generate}, {@code serve}, {@code bench} and friends. */
public final class Moesaic {
    private Moesaic() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage();
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        int status;
        try {
            status = dispatch(args[0], rest);
        } catch (CliArgs.UsageException e) {
            System.err.println("moesaic " + args[0] + ": " + e.getMessage() + " (--help lists the options)");
            status = 2;
        }
        System.out.flush();
        if (status >= 0) { // serve returns -1 while its server runs on its own threads
            System.exit(status);
        }
    }

    private static int dispatch(String command, String[] rest) throws Exception {
        return switch (command) {
            case "generate" -> GenerateCommand.run(rest, System.out, System.err);
            case "export-gguf" -> ExportGgufCommand.run(rest, System.out, System.err);
            case "serve" -> ServeCommand.run(rest, System.out, System.err);
            case "bench" -> bench(rest);
            default -> {
                System.err.println("moesaic: unknown command '" + command + "'");
                usage();
                yield 2;
            }
        };
    }

    /** {@code moesaic bench <kind>}: each benchmark prints its numbers (one JSON object with --json). */
    private static int bench(String[] args) throws Exception {
        String kind = args.length > 0 && !args[0].startsWith("--") ? args[0] : "model";
        String[] rest = kind.equals("model") ? args : Arrays.copyOfRange(args, 1, args.length);
        return switch (kind) {
            case "memory" -> {
                MemoryBench.main(rest);
                yield 0;
            }
            case "copy" -> {
                PeerCopyBench.main(rest);
                yield 0;
            }
            case "balance" -> BalanceBench.run(rest, System.out, System.err);
            case "routing-bias" -> RoutingBiasCommand.run(rest, System.out, System.err);
            case "serve" -> ServeBench.run(rest, System.out, System.err);
            case "scale" -> ScaleBench.run(rest, System.out, System.err);
            case "model" -> ModelBenchCommand.run(rest, System.out, System.err);
            default -> {
                System.err.println("moesaic bench: unknown benchmark '" + kind + "' (serve, scale, memory, copy, balance, routing-bias, or --model M for the model benchmark)");
                yield 2;
            }
        };
    }

    private static void usage() {
        System.err.println("""
                usage: moesaic <command> [options]     (each command takes --help)
                commands:
                  generate     generate text from a prompt
                  serve        the OpenAI-compatible HTTP server (continuous batching, metrics, health)
                  export-gguf  write a built-in model as a GGUF file (for llama.cpp and other engines)
                  bench --model M     prefill/decode tok/s of one sequence against the measured memory bandwidth
                  bench serve         serving throughput and latency at 1, 4, 16 and 64 concurrent streams
                  bench scale         scale-up under load vs a cold restart (ElasticMoE's evaluation)
                  bench memory        re-lay 1 GiB of expert slots by remapping vs by copying
                  bench copy          move 1 GiB of experts to another pool: kernel copy vs copy through mappings
                  bench balance       MaxVio of static, EPLB and EPLB + ALF-LB placements on a drifting Zipf workload
                  bench routing-bias  output cost of serving-time ALF-LB on the model's own routing
                """);
    }
}
