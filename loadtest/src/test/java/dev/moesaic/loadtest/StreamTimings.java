package dev.moesaic.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Time to first token and inter-token gaps of streamed completions, per phase of a run.
 *
 * <p>Gatling reports an SSE stream as its connect (request to response headers) and its checks; a
 * server may send headers before or after queueing, so neither alone is the time to first token.
 * The streaming chain therefore records the request start, the arrival of the first content chunk
 * (stamped by a check transform when the message arrives) and the arrival times of the remaining
 * chunks (Gatling's unmatched-message buffer), and this class turns them into percentiles.
 */
public final class StreamTimings {
    /** A chunk that carries generated text: a non-empty {@code delta.content}. */
    private static final Pattern CONTENT = Pattern.compile("\"content\"\\s*:\\s*\"(?!\")");

    /** Percentiles of one phase, in milliseconds. */
    public record Summary(String phase, int streams, Percentiles ttftMs, Percentiles interTokenMs, double meanChunks) {
    }

    public record Percentiles(int count, long p50, long p95, long p99, long max) {
        /** Nearest-rank percentiles of {@code values} (not modified). */
        public static Percentiles of(long[] values) {
            if (values.length == 0) return new Percentiles(0, 0, 0, 0, 0);
            long[] sorted = values.clone();
            Arrays.sort(sorted);
            return new Percentiles(sorted.length, rank(sorted, 50), rank(sorted, 95), rank(sorted, 99), sorted[sorted.length - 1]);
        }

        private static long rank(long[] sorted, double percentile) {
            int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, index)];
        }
    }

    private final Map<String, List<long[]>> ttft = new TreeMap<>();
    private final Map<String, List<long[]>> gaps = new TreeMap<>();
    private final Map<String, List<Integer>> chunks = new TreeMap<>();

    public static boolean carriesContent(String sseMessage) {
        return CONTENT.matcher(sseMessage).find();
    }

    /**
     * One finished stream: request sent at {@code requestStartMs}, first content chunk at {@code firstTokenMs},
     * later content chunks at {@code laterContentMs} (any order).
     */
    public synchronized void record(String phase, long requestStartMs, long firstTokenMs, List<Long> laterContentMs) {
        if (firstTokenMs < requestStartMs) {
            throw new IllegalArgumentException("first token at " + firstTokenMs + " ms precedes the request at " + requestStartMs + " ms");
        }
        long[] arrivals = new long[laterContentMs.size() + 1];
        arrivals[0] = firstTokenMs;
        for (int i = 0; i < laterContentMs.size(); i++) arrivals[i + 1] = laterContentMs.get(i);
        Arrays.sort(arrivals);
        long[] streamGaps = new long[arrivals.length - 1];
        for (int i = 1; i < arrivals.length; i++) streamGaps[i - 1] = arrivals[i] - arrivals[i - 1];
        ttft.computeIfAbsent(phase, k -> new ArrayList<>()).add(new long[] {firstTokenMs - requestStartMs});
        gaps.computeIfAbsent(phase, k -> new ArrayList<>()).add(streamGaps);
        chunks.computeIfAbsent(phase, k -> new ArrayList<>()).add(arrivals.length);
    }

    public synchronized List<Summary> summaries() {
        var out = new ArrayList<Summary>();
        for (String phase : ttft.keySet()) {
            long[] ttfts = flatten(ttft.get(phase));
            long[] allGaps = flatten(gaps.get(phase));
            double meanChunks = chunks.get(phase).stream().mapToInt(Integer::intValue).average().orElse(0);
            out.add(new Summary(phase, ttfts.length, Percentiles.of(ttfts), Percentiles.of(allGaps), meanChunks));
        }
        return out;
    }

    private static long[] flatten(List<long[]> parts) {
        return parts.stream().flatMapToLong(Arrays::stream).toArray();
    }

    public String table() {
        var text = new StringBuilder(String.format(Locale.ROOT,
                "%-14s %7s %8s %8s %8s %8s | %8s %8s %8s %8s %7s%n",
                "phase", "streams", "ttft p50", "p95", "p99", "max", "itl p50", "p95", "p99", "max", "chunks"));
        for (Summary s : summaries()) {
            text.append(String.format(Locale.ROOT, "%-14s %7d %8d %8d %8d %8d | %8d %8d %8d %8d %7.1f%n",
                    s.phase(), s.streams(), s.ttftMs().p50(), s.ttftMs().p95(), s.ttftMs().p99(), s.ttftMs().max(),
                    s.interTokenMs().p50(), s.interTokenMs().p95(), s.interTokenMs().p99(), s.interTokenMs().max(),
                    s.meanChunks()));
        }
        return text.append("(milliseconds; ttft = request sent -> first content chunk, itl = gap between content chunks)\n").toString();
    }

    public String json() {
        var items = new ArrayList<String>();
        for (Summary s : summaries()) {
            items.add(String.format(Locale.ROOT,
                    "{\"phase\":%s,\"streams\":%d,\"ttft_ms\":%s,\"inter_token_ms\":%s,\"mean_chunks\":%.2f}",
                    ChatBodies.quote(s.phase()), s.streams(), json(s.ttftMs()), json(s.interTokenMs()), s.meanChunks()));
        }
        return "[" + String.join(",\n ", items) + "]\n";
    }

    private static String json(Percentiles p) {
        return String.format(Locale.ROOT, "{\"count\":%d,\"p50\":%d,\"p95\":%d,\"p99\":%d,\"max\":%d}",
                p.count(), p.p50(), p.p95(), p.p99(), p.max());
    }

    /** Prints the table and writes {@code target/gatling/<name>-stream-timings.json} next to Gatling's reports. */
    public void report(String simulationName) {
        System.out.println("\n== stream timings of " + simulationName + "\n" + table());
        try {
            Path dir = Path.of(System.getProperty("moesaic.reportDir", "target/gatling"));
            Files.createDirectories(dir);
            Path file = dir.resolve(simulationName + "-stream-timings.json");
            Files.writeString(file, json());
            System.out.println("stream timings written to " + file.toAbsolutePath());
        } catch (IOException e) {
            System.err.println("could not write the stream-timings file: " + e);
        }
    }
}
