package dev.moesaic;

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
        switch (args[0]) {
            default -> {
                System.err.println("moesaic: unknown command '" + args[0] + "'");
                usage();
                System.exit(2);
            }
        }
    }

    private static void usage() {
        System.err.println("""
                usage: moesaic <command> [options]
                commands:
                  generate     generate text from a prompt (--help for options)
                """);
    }
}
