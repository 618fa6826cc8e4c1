package dev.moesaic.serving.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.serving.ServerTestSupport;
import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.host.ModelHost;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;

/**
 * Continuous batching seen from clients: concurrent streams give exactly the text each request gives
 * alone, and a client that disconnects gets its KV blocks back into the pool.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "moesaic.api-keys=test-key,second-key", "moesaic.admin-token=admin-secret", "moesaic.max-body-size=64KB"})
@AutoConfigureWebTestClient // same context as OpenAiApiTest, started once
class ConcurrentStreamsTest {
    @Value("${local.server.port}")
    int port;
    @Autowired
    ModelHost host;

    @BeforeEach
    void ready() throws InterruptedException {
        ServerTestSupport.awaitReady(host);
    }

    @Test
    void thirtyTwoConcurrentStreamsEachGiveTheTextOfTheSameRequestAlone() throws Exception {
        int streams = 32;
        List<String> prompts = new ArrayList<>();
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            prompts.add("Story " + i + ": once upon a time " + "there was ".repeat(i % 5));
        }
        for (String p : prompts) {
            List<String> data = ServerTestSupport.sse(ServerTestSupport.post(port, "/v1/chat/completions",
                    ServerTestSupport.chatBody(p, 24, true), "test-key"));
            alone.add(ServerTestSupport.chatText(data, 0));
        }
        var before = host.ready().engine().stats();
        List<CompletableFuture<List<String>>> running = new ArrayList<>();
        for (String p : prompts) {
            running.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return ServerTestSupport.sse(ServerTestSupport.post(port, "/v1/chat/completions",
                            ServerTestSupport.chatBody(p, 24, true), "test-key"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Thread::startVirtualThread));
        }
        for (int i = 0; i < streams; i++) {
            List<String> data = running.get(i).get();
            assertThat(data.getLast()).isEqualTo("[DONE]");
            assertThat(ServerTestSupport.chatText(data, 0)).as("stream %d", i).isEqualTo(alone.get(i));
        }
        var after = host.ready().engine().stats();
        // Batched: far fewer forward passes than tokens generated (one at a time would need more passes than tokens).
        assertThat(after.iterations() - before.iterations()).isLessThan((after.generationTokens() - before.generationTokens()) / 2);
    }

    @Test
    void aDisconnectedStreamGivesItsKvBlocksBack() throws Exception {
        var engine = host.ready().engine();
        assertThat(ServerTestSupport.eventually(Duration.ofSeconds(30), () -> engine.stats().kvUsedBlocks() == 0)).isTrue();
        String body = "{\"model\":\"builtin:tiny-moe\",\"prompt\":\"Once upon a time\",\"max_tokens\":4000,\"ignore_eos\":true,"
                + "\"stream\":true}";
        HttpResponse<Stream<String>> r = ServerTestSupport.client().send(
                ServerTestSupport.post(port, "/v1/completions", body, "test-key"), HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        var lines = r.body().iterator();
        int chunks = 0;
        while (chunks < 20 && lines.hasNext()) {
            if (lines.next().startsWith("data: ")) {
                chunks++;
            }
        }
        assertThat(engine.stats().kvUsedBlocks()).isPositive();
        assertThat(engine.stats().runningSequences()).isEqualTo(1);
        r.body().close(); // the client goes away mid-stream
        // the counts are published at the end of the engine iteration that freed the blocks: wait for both
        assertThat(ServerTestSupport.eventually(Duration.ofSeconds(30),
                () -> engine.stats().kvUsedBlocks() == 0 && engine.stats().runningSequences() == 0))
                .as("KV blocks back in the pool and no sequence running after the disconnect: %s", engine.stats()).isTrue();
        assertThat(engine.stats().generationTokens()).isLessThan(4000 + 10_000);
        // the server goes on serving
        var after = ServerTestSupport.send(ServerTestSupport.post(port, "/v1/completions",
                "{\"model\":\"builtin:tiny-moe\",\"prompt\":\"a\",\"max_tokens\":2}", "test-key"));
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(after.body()).path("usage").path("completion_tokens").asInt()).isBetween(1, 2);
    }
}
