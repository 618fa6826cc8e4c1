package dev.moesaic.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.http.action.sse.SseInboundMessage;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/** The requests every simulation is made of: chat, streamed chat, and a scaling operation. */
public final class ChatSteps {
    private final LoadSettings settings;
    private final String model;
    private final StreamTimings timings = new StreamTimings();

    public ChatSteps(LoadSettings settings) {
        this.settings = settings;
        this.model = settings.model().orElseGet(() -> firstServedModel(settings));
    }

    public LoadSettings settings() {
        return settings;
    }

    public StreamTimings timings() {
        return timings;
    }

    public HttpProtocolBuilder protocol() {
        HttpProtocolBuilder protocol = http.baseUrl(settings.baseUrl().toString())
                .acceptHeader("application/json")
                .contentTypeHeader("application/json")
                // Keeps the chunks no check waits for, so their arrival times can be read (StreamTimings).
                .sseUnmatchedInboundMessageBufferSize(100_000);
        if (settings.apiKey().isPresent()) {
            protocol = protocol.authorizationHeader("Bearer " + settings.apiKey().get());
        }
        return protocol;
    }

    /** One non-streaming chat completion; checks an answer with generated tokens came back. */
    public ChainBuilder chat(String name, Function<Session, String> prompt, int maxTokens) {
        return exec(http(name).post("/v1/chat/completions")
                .body(StringBody(session -> ChatBodies.chat(model, prompt.apply(session), maxTokens, false)))
                .requestTimeout(settings.requestTimeout())
                .check(status().is(200),
                        jsonPath("$.choices[0].message.content").exists(),
                        jsonPath("$.usage.completion_tokens").ofInt().gt(0)));
    }

    /**
     * One streamed chat completion, reported by Gatling as "connect PHASE" (request to response headers),
     * "first token PHASE" (headers to the first content chunk) and "complete PHASE" (first content chunk to
     * {@code data: [DONE]}); exact TTFT and inter-token gaps go to {@link #timings()}.
     */
    public ChainBuilder streamingChat(String phase, Function<Session, String> prompt, int maxTokens) {
        return exec(session -> session.set("requestStartMs", System.currentTimeMillis()))
                .exec(sse("connect " + phase).post("/v1/chat/completions")
                        .body(StringBody(session -> ChatBodies.chat(model, prompt.apply(session), maxTokens, true)))
                        // Both waits are sequences of one action, so no chunk can arrive between them unobserved.
                        .await(settings.requestTimeout()).on(sse.checkMessage("first token " + phase)
                                .matching(regex("\"content\"\\s*:\\s*\"[^\"]"))
                                .check(bodyString().transform(message -> System.currentTimeMillis()).saveAs("firstTokenMs")))
                        .await(settings.requestTimeout()).on(sse.checkMessage("complete " + phase)
                                .matching(substring("[DONE]"))))
                .exec(sse.processUnmatchedMessages((messages, session) -> record(phase, messages, session)))
                .exec(sse("close " + phase).close());
    }

    private Session record(String phase, List<SseInboundMessage> messages, Session session) {
        if (!session.contains("firstTokenMs") || session.isFailed()) {
            return session; // the stream failed; Gatling already counts the failed check
        }
        // The first content chunk was matched by the "first token" check, so every content chunk left
        // unmatched came after it (its arrival stamp can even be a millisecond earlier than the check's).
        var later = new ArrayList<Long>();
        long first = session.getLong("firstTokenMs");
        for (SseInboundMessage m : messages) {
            if (StreamTimings.carriesContent(m.message())) later.add(m.timestamp());
        }
        timings.record(phase, session.getLong("requestStartMs"), first, later);
        return session.remove("firstTokenMs");
    }

    /**
     * {@code POST /admin/scale {"devices": N}}, then polls {@code GET /admin/scale/{id}} until its phase is
     * final; the last request ("scale result") fails unless the phase says the operation succeeded.
     */
    public ChainBuilder scaleTo(int devices, String adminToken, Duration timeout, Pattern done, Pattern failed) {
        String auth = "Bearer " + adminToken;
        return exec(http("scale to " + devices).post("/admin/scale")
                        .header("Authorization", auth)
                        .body(StringBody("{\"devices\":" + devices + "}"))
                        .check(status().in(200, 201, 202), jsonPath("$.id").ofString().saveAs("scaleId")))
                .exec(session -> session.set("scalePhase", "").set("scaleStartMs", System.currentTimeMillis()))
                .asLongAs(session -> !isFinal(session.getString("scalePhase"), done, failed)
                        && System.currentTimeMillis() - session.getLong("scaleStartMs") < timeout.toMillis())
                .on(exec(http("scale status").get("/admin/scale/#{scaleId}")
                                .header("Authorization", auth)
                                .check(status().is(200), jsonPath("$.phase").ofString().saveAs("scalePhase")))
                        .pause(Duration.ofMillis(500)))
                .exec(http("scale result").get("/admin/scale/#{scaleId}")
                        .header("Authorization", auth)
                        .check(status().is(200),
                                bodyString().saveAs("scaleReport"),
                                jsonPath("$.phase").ofString().validate("a successful final phase (" + done.pattern() + ")",
                                        (phase, session) -> {
                                            if (phase == null || !done.matcher(phase).matches()) {
                                                throw new IllegalStateException("scale operation ended in phase " + phase);
                                            }
                                            return phase;
                                        })))
                .exec(session -> {
                    long ms = System.currentTimeMillis() - session.getLong("scaleStartMs");
                    System.out.println("scale to " + devices + " devices: " + session.getString("scaleReport")
                            + " (observed after " + ms + " ms)");
                    return session;
                });
    }

    private static boolean isFinal(String phase, Pattern done, Pattern failed) {
        return phase != null && (done.matcher(phase).matches() || failed.matcher(phase).matches());
    }

    /** The first id of {@code GET /v1/models}, for runs that do not name a model. */
    static String firstServedModel(LoadSettings settings) {
        var uri = settings.baseUrl().resolve("/v1/models");
        var request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        settings.apiKey().ifPresent(key -> request.header("Authorization", "Bearer " + key));
        try (var client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            var id = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(response.body());
            if (response.statusCode() != 200 || !id.find()) {
                throw new LoadSettingsException("GET " + uri + " answered " + response.statusCode() + " without a model id: "
                        + response.body() + "; pass -Dmoesaic.model=NAME");
            }
            return id.group(1);
        } catch (IOException e) {
            throw new LoadSettingsException("cannot reach " + uri + " (" + e + "): start the server or set -Dmoesaic.baseUrl");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoadSettingsException("interrupted while asking " + uri + " for its models");
        }
    }
}
