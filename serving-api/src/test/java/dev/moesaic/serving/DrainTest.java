package dev.moesaic.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.host.ModelHost;
import dev.moesaic.serving.host.ServerState;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Graceful shutdown as SIGTERM runs it (the context closes, the model host stops first): new requests
 * and /ready get 503 at once while the running stream is allowed to finish.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "moesaic.drain-timeout=120s")
@DirtiesContext
class DrainTest {
    @Value("${local.server.port}")
    int port;
    @Autowired
    ModelHost host;

    @Test
    void drainingRefusesNewWorkAndLetsRunningStreamsFinish() throws Exception {
        ServerTestSupport.awaitReady(host);
        String body = "{\"model\":\"builtin:tiny-moe\",\"prompt\":\"Once\",\"max_tokens\":1000,\"ignore_eos\":true,\"stream\":true}";
        CompletableFuture<List<String>> stream = CompletableFuture.supplyAsync(() -> {
            try {
                return ServerTestSupport.sse(ServerTestSupport.post(port, "/v1/completions", body, null));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
        assertThat(ServerTestSupport.eventually(Duration.ofSeconds(60),
                () -> host.ready().engine().stats().generationTokens() > 5)).isTrue();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(host::stop, Thread::startVirtualThread);
        assertThat(ServerTestSupport.eventually(Duration.ofSeconds(10), () -> host.state() == ServerState.DRAINING)).isTrue();
        HttpResponse<String> ready = ServerTestSupport.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(503);
        HttpResponse<String> refused = ServerTestSupport.send(ServerTestSupport.post(port, "/v1/completions",
                "{\"model\":\"builtin:tiny-moe\",\"prompt\":\"a\",\"max_tokens\":2}", null));
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(Json.MAPPER.readTree(refused.body()).path("error").path("code").asString()).isEqualTo("server_draining");

        List<String> data = stream.get();
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(Json.MAPPER.readTree(data.get(data.size() - 2)).path("choices").get(0).path("finish_reason").asString())
                .isEqualTo("length");
        stopping.get();
        assertThat(host.state()).isEqualTo(ServerState.STOPPED);
    }
}
