package dev.moesaic.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.host.ModelHost;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * A server with a tiny KV cache (12 blocks of 16 tokens) and a short waiting queue: more load than
 * it holds gets 429 with Retry-After and never loses an admitted request; sequences that do not fit
 * together are preempted and recomputed without any change to their output. No API keys are
 * configured here, so the API is open, and without an admin token the admin API is off.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "moesaic.kv-cache-memory=384KB", "moesaic.max-running=8", "moesaic.token-budget=64", "moesaic.max-waiting=4"})
class QueueAndPreemptionTest {
    @Value("${local.server.port}")
    int port;
    @Autowired
    ModelHost host;

    @BeforeEach
    void ready() throws InterruptedException {
        ServerTestSupport.awaitReady(host);
    }

    private HttpResponse<String> chat(String content, int maxTokens) {
        try {
            String body = "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content
                    + "\"}],\"max_tokens\":" + maxTokens + ",\"temperature\":0,\"ignore_eos\":true}";
            return ServerTestSupport.send(ServerTestSupport.post(port, "/v1/chat/completions", body, null));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body()).path("choices").get(0).path("message").path("content").asString();
    }

    @Test
    void preemptedSequencesGiveTheSameOutputAsAlone() throws Exception {
        assertThat(host.ready().engine().kvCache().totalBlocks()).isEqualTo(12);
        List<String> prompts = List.of("Once upon a time", "The license", "They were", "every day the work");
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            HttpResponse<String> r = chat(p, 40);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            alone.add(text(r));
        }
        long preemptionsBefore = host.ready().engine().stats().preemptions();
        List<CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
        for (String p : prompts) {
            together.add(CompletableFuture.supplyAsync(() -> chat(p, 40), Thread::startVirtualThread));
        }
        for (int i = 0; i < prompts.size(); i++) {
            HttpResponse<String> r = together.get(i).get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(text(r)).as("prompt %d", i).isEqualTo(alone.get(i));
            assertThat(Json.MAPPER.readTree(r.body()).path("usage").path("completion_tokens").asInt()).isEqualTo(40);
        }
        // Four sequences of ~80 tokens (5 blocks each) cannot all live in 12 blocks.
        assertThat(host.ready().engine().stats().preemptions()).isGreaterThan(preemptionsBefore);
        assertThat(host.ready().engine().stats().kvUsedBlocks()).isZero();
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndLosesNoAdmittedRequest() throws Exception {
        // ~145 tokens each: 10 of the 12 blocks, so one runs at a time and the burst must queue up.
        String expected = text(chat("Once upon a time", 100));
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            burst.add(CompletableFuture.supplyAsync(() -> chat("Once upon a time", 100), Thread::startVirtualThread));
        }
        int ok = 0;
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> f : burst) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 429) {
                refused++;
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                JsonNode e = Json.MAPPER.readTree(r.body()).path("error");
                assertThat(e.path("code").asString()).isEqualTo("queue_full");
                assertThat(e.path("type").asString()).isEqualTo("rate_limit_error");
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                ok++;
                assertThat(text(r)).isEqualTo(expected);
            }
        }
        assertThat(refused).as("refused").isPositive();
        assertThat(ok).as("served").isGreaterThanOrEqualTo(4);
        assertThat(ok + refused).isEqualTo(24);
        assertThat(host.ready().engine().stats().waitingRequests()).isZero();
    }

    @Test
    void withoutKeysTheApiIsOpenAndWithoutATokenTheAdminApiIsOff() throws Exception {
        var models = ServerTestSupport.client().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).isEqualTo(200);
        var admin = ServerTestSupport.client().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/admin/engine")).header("Authorization", "Bearer x").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(admin.statusCode()).isEqualTo(403);
        assertThat(admin.body()).contains("admin API is disabled");
    }
}
