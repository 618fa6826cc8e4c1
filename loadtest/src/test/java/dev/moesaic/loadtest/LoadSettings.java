package dev.moesaic.loadtest;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a simulation run targets and how hard it pushes, from {@code -Dmoesaic.*} system properties
 * (the Gatling Maven plugin passes Maven's {@code -D} properties on). Every simulation reads the common
 * ones; each simulation documents which others it uses.
 */
public record LoadSettings(
        URI baseUrl,
        Optional<String> model,
        Optional<String> apiKey,
        Optional<String> adminToken,
        double rate,
        Duration duration,
        int maxTokens,
        Duration p95Bound,
        Duration requestTimeout) {

    /** Reads the run settings; throws {@link LoadSettingsException} naming the property that is wrong. */
    public static LoadSettings from(Map<String, String> properties) {
        var p = new Properties(properties);
        return new LoadSettings(
                p.get("moesaic.baseUrl", "http://127.0.0.1:8080", LoadSettings::httpUrl),
                p.optional("moesaic.model"),
                p.optional("moesaic.apiKey"),
                p.optional("moesaic.adminToken"),
                p.positiveDouble("moesaic.rate", 2.0),
                p.seconds("moesaic.durationSeconds", 60),
                p.positiveInt("moesaic.maxTokens", 32),
                Duration.ofMillis(p.positiveInt("moesaic.p95Ms", 10_000)),
                p.seconds("moesaic.requestTimeoutSeconds", 120));
    }

    public static LoadSettings fromSystemProperties() {
        return from(Properties.system());
    }

    private static URI httpUrl(String value) {
        URI uri = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL with a host");
        }
        return uri;
    }

    /** Typed reads of string properties, each failure naming the property and the value. */
    public record Properties(Map<String, String> values) {
        static Map<String, String> system() {
            var map = new java.util.HashMap<String, String>();
            System.getProperties().forEach((k, v) -> map.put(k.toString(), v.toString()));
            return map;
        }

        public Optional<String> optional(String name) {
            return Optional.ofNullable(values.get(name)).map(String::strip).filter(v -> !v.isEmpty());
        }

        public <T> T get(String name, String fallback, Function<String, T> parse) {
            String raw = optional(name).orElse(fallback);
            try {
                return parse.apply(raw);
            } catch (RuntimeException e) {
                throw new LoadSettingsException("-D" + name + "=" + raw + " is invalid: " + e.getMessage()
                        + " (default " + fallback + ")");
            }
        }

        public int positiveInt(String name, int fallback) {
            return get(name, Integer.toString(fallback), v -> requirePositive(Integer.parseInt(v)));
        }

        public int nonNegativeInt(String name, int fallback) {
            return get(name, Integer.toString(fallback), v -> {
                int n = Integer.parseInt(v);
                if (n < 0) throw new IllegalArgumentException("must be 0 or more");
                return n;
            });
        }

        public double positiveDouble(String name, double fallback) {
            return get(name, Double.toString(fallback), v -> {
                double d = Double.parseDouble(v);
                if (!(d > 0) || Double.isInfinite(d)) throw new IllegalArgumentException("must be a positive number");
                return d;
            });
        }

        public Duration seconds(String name, int fallback) {
            return Duration.ofSeconds(positiveInt(name, fallback));
        }

        private static int requirePositive(int n) {
            if (n <= 0) throw new IllegalArgumentException("must be a positive whole number");
            return n;
        }
    }
}
