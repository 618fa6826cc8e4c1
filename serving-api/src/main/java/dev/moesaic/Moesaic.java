package dev.moesaic;

import dev.moesaic.engine.cli.ExportGgufCommand;
import dev.moesaic.engine.cli.GenerateCommand;
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
            case "export-gguf" -> ExportGgufCommand.run(rest, System.out, System.err);
            default -> {
                System.err.println("moesaic: unknown command '" + args[0] + "'");
                usage();
                yield 2;
            }
        };
        System.out.flush();
        System.exit(status);
    }

    private static void usage() {
        System.err.println("""
                usage: moesaic <command> [options]     (each command takes --help)
                commands:
                  generate     generate text from a prompt
                  export-gguf  write a built-in model as a GGUF file (for llama.cpp and other engines)
                """);
    }
}
