package dev.moesaic.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.host.ModelHost;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.JsonNode;

/** A plain HTTP client for server tests: JSON requests and server-sent-event streams, parsed line by line. */
public final class ServerTestSupport {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private ServerTestSupport() {
    }

    public static void awaitReady(ModelHost host) throws InterruptedException {
        assertThat(host.awaitLoaded(Duration.ofMinutes(2))).as("model loaded: %s", host.failure()).isTrue();
    }

    public static HttpRequest post(int port, String path, String body, String apiKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(3))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b.build();
    }

    /** The {@code data:} payloads of an SSE response, in order (including "[DONE]"). */
    public static List<String> sse(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<java.util.stream.Stream<String>> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).as("SSE status").isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> data = new ArrayList<>();
        r.body().forEach(line -> {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            } else {
                assertThat(line).as("SSE lines are 'data: ...' and blank separators").isEmpty();
            }
        });
        return data;
    }

    /** The text of choice {@code index} of a streamed chat completion. */
    public static String chatText(List<String> data, int index) {
        StringBuilder b = new StringBuilder();
        for (String d : data) {
            if (d.equals("[DONE]")) {
                continue;
            }
            JsonNode n = Json.MAPPER.readTree(d);
            for (JsonNode c : n.path("choices")) {
                if (c.path("index").asInt() == index) {
                    b.append(c.path("delta").path("content").asString(""));
                }
            }
        }
        return b.toString();
    }

    public static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public static HttpClient client() {
        return CLIENT;
    }

    /** Polls {@code condition} every 20 ms for up to {@code timeout}; true once it holds. */
    public static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    public static String chatBody(String content, int maxTokens, boolean stream) {
        return "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"role\":\"user\",\"content\":" + Json.MAPPER.writeValueAsString(content)
                + "}],\"max_tokens\":" + maxTokens + ",\"temperature\":0" + (stream ? ",\"stream\":true" : "") + "}";
    }
}
