package dev.moesaic;

import dev.moesaic.engine.cli.GenerateCommand;
import dev.moesaic.serving.ServeCommand;
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
        int status = switch (args[0]) {
            case "generate" -> GenerateCommand.run(rest, System.out, System.err);
            case "serve" -> ServeCommand.run(rest, System.out, System.err);
            case "bench" -> rest.length > 0 && rest[0].equals("serve")
                    ? ServeBench.run(Arrays.copyOfRange(rest, 1, rest.length), System.out, System.err)
                    : unknownBench(rest);
            default -> {
                System.err.println("moesaic: unknown command '" + args[0] + "'");
                usage();
                yield 2;
            }
        };
        System.out.flush();
        if (status >= 0) { // serve returns -1 while its server runs on its own threads
            System.exit(status);
        }
    }

    private static int unknownBench(String[] rest) {
        System.err.println("moesaic bench: unknown benchmark '" + (rest.length == 0 ? "" : rest[0]) + "' (available: serve)");
        return 2;
    }

    private static void usage() {
        System.err.println("""
                usage: moesaic <command> [options]     (each command takes --help)
                commands:
                  generate     generate text from a prompt
                  serve        the OpenAI-compatible HTTP server (continuous batching, metrics, health)
                  bench serve  serving throughput and latency at 1, 4, 16 and 64 concurrent streams
                """);
    }
}
