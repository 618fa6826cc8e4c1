package dev.moesaic.serving;

import dev.moesaic.engine.cli.CliArgs;
import dev.moesaic.serving.host.ModelHost;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code moesaic serve}: maps the command-line options onto Spring properties and starts the
 * server. Options spelled as Spring properties ({@code --server.port=8081},
 * {@code --moesaic.max-waiting=64}) pass through unchanged; environment variables work too.
 */
public final class ServeCommand {
    public static final String USAGE = """
            usage: moesaic serve [--model FILE|builtin:NAME[:TYPE]] [--tokenizer FILE] [--port 8080] [--devices N]
                                 [--autoscale MIN,MAX] [--max-waiting N] [--drain-timeout 30s] [--api-keys K1,K2]
                                 [--admin-token T] [--metrics-require-key] [--kv-cache-memory 512MB] [--served-model-name NAME]
                                 [--spring.or.moesaic.property=value ...]
              --model        a GGUF file, a llama2.c .bin (with --tokenizer), or builtin:tiny-moe (default) / builtin:bench
              --port         HTTP port of the API, /health, /ready, /metrics and /admin (default 8080; 0 = any free port)
              --devices      devices to run on (default 1); --max-devices caps scaling (default 8)
              --autoscale    MIN,MAX: grow and shrink the devices from load (--autoscale-itl-target 100ms)
              --redundant-experts R  extra expert replicas per MoE layer, balanced with ALF-LB (default 0)
              --api-keys     comma-separated keys clients send as 'Authorization: Bearer KEY' (default: none needed)
              --admin-token  bearer token of /admin/** (default: admin API off, 403)
              --metrics-require-key  /metrics needs an API key too (default: /health, /ready, /metrics are open)
            Every option is also a setting: MOESAIC_MODEL, SERVER_PORT, MOESAIC_MAX_WAITING, ... (docs/SERVING.md)
            """;

    private static final Map<String, String> OPTION_TO_PROPERTY = Map.ofEntries(
            Map.entry("model", "moesaic.model"),
            Map.entry("tokenizer", "moesaic.tokenizer"),
            Map.entry("port", "server.port"),
            Map.entry("devices", "moesaic.devices"),
            Map.entry("autoscale", "moesaic.autoscale"),
            Map.entry("max-waiting", "moesaic.max-waiting"),
            Map.entry("drain-timeout", "moesaic.drain-timeout"),
            Map.entry("api-keys", "moesaic.api-keys"),
            Map.entry("admin-token", "moesaic.admin-token"),
            Map.entry("kv-cache-memory", "moesaic.kv-cache-memory"),
            Map.entry("served-model-name", "moesaic.served-model-name"),
            Map.entry("threads", "moesaic.threads"),
            Map.entry("max-devices", "moesaic.max-devices"),
            Map.entry("redundant-experts", "moesaic.redundant-experts"),
            Map.entry("copy-bandwidth", "moesaic.copy-bandwidth"),
            Map.entry("autoscale-itl-target", "moesaic.autoscale-itl-target"));

    private ServeCommand() {
    }

    /** Spring arguments for the command-line options. */
    static String[] springArgs(String[] args) {
        List<String> passThrough = new ArrayList<>();
        List<String> ours = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a.startsWith("--") ? a.substring(2).split("=", 2)[0] : "";
            if (name.contains(".")) {
                passThrough.add(a);
            } else {
                ours.add(a);
                if (!a.contains("=") && OPTION_TO_PROPERTY.containsKey(name) && i + 1 < args.length) {
                    ours.add(args[++i]);
                }
            }
        }
        CliArgs cli = CliArgs.parse(ours.toArray(String[]::new), OPTION_TO_PROPERTY.keySet(),
                Set.of("help", "metrics-require-key"));
        if (cli.has("help")) {
            return null;
        }
        List<String> spring = new ArrayList<>();
        if (cli.has("metrics-require-key")) {
            spring.add("--moesaic.metrics-require-key=true");
        }
        for (Map.Entry<String, String> e : OPTION_TO_PROPERTY.entrySet()) {
            String v = cli.get(e.getKey(), null);
            if (v != null) {
                spring.add("--" + e.getValue() + "=" + v);
            }
        }
        spring.addAll(passThrough);
        return spring.toArray(String[]::new);
    }

    /** Runs the server until it is stopped (SIGTERM drains it); returns the exit status when it cannot start. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String[] spring;
        try {
            spring = springArgs(args);
        } catch (CliArgs.UsageException e) {
            err.println("moesaic serve: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (spring == null) {
            out.print(USAGE);
            return 0;
        }
        ConfigurableApplicationContext context;
        try {
            context = ServingApplication.run(spring);
        } catch (RuntimeException e) {
            err.println("moesaic serve: " + rootMessage(e));
            return 1;
        }
        ModelHost host = context.getBean(ModelHost.class);
        try {
            if (!host.awaitLoaded(Duration.ofDays(1)) && host.failure() != null) {
                err.println("moesaic serve: " + host.failure());
                context.close();
                return 1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1; // keep running: the web server's threads keep the process alive
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
