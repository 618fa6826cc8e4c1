package dev.moesaic.serving.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.serving.ServerTestSupport;
import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.host.ModelHost;
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
import tools.jackson.databind.JsonNode;

/** The scaling admin API over HTTP, with a stream running through a scale-up, a failure and a scale-down. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"moesaic.admin-token=secret", "moesaic.devices=2"})
@DirtiesContext
class AdminScalingTest {
    private static final String TOKEN = "secret";
    @Value("${local.server.port}")
    int port;
    @Autowired
    ModelHost host;

    @Test
    void scalePlacementFailAndRebalanceWhileAStreamRuns() throws Exception {
        ServerTestSupport.awaitReady(host);
        String body = "{\"model\":\"builtin:tiny-moe\",\"prompt\":\"Once upon a time\",\"max_tokens\":400,\"ignore_eos\":true,"
                + "\"temperature\":0,\"stream\":true}";
        String solo = text(ServerTestSupport.sse(ServerTestSupport.post(port, "/v1/completions", body, null)));
        CompletableFuture<List<String>> stream = CompletableFuture.supplyAsync(() -> {
            try {
                return ServerTestSupport.sse(ServerTestSupport.post(port, "/v1/completions", body, null));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);

        JsonNode placement = get("/admin/placement");
        assertThat(placement.path("devices").size()).isEqualTo(2);

        JsonNode op = json(admin("/admin/scale", "{\"devices\": 3}", 202));
        JsonNode done = awaitDone(op.path("id").asString());
        assertThat(done.path("phase").asString()).isEqualTo("done");
        assertThat(done.path("bytes_moved").asLong()).isPositive();
        assertThat(get("/admin/placement").path("devices").size()).isEqualTo(3);

        int victim = get("/admin/placement").path("devices").get(2).path("id").asInt();
        admin("/admin/devices/" + victim + "/fail", "", 202);
        assertThat(ServerTestSupport.eventually(Duration.ofSeconds(60),
                () -> get("/admin/placement").path("devices").size() == 2)).isTrue();
        // the recovery is an operation like a scale: the next one starts once it has ended
        assertThat(ServerTestSupport.eventually(Duration.ofSeconds(60), () -> {
            for (JsonNode o : get("/admin/scale").path("operations")) {
                if (o.path("kind").asString().equals("recover") && o.path("phase").asString().equals("done")) {
                    return true;
                }
            }
            return false;
        })).as("recovery operation done: %s", get("/admin/scale")).isTrue();

        JsonNode down = awaitDone(json(admin("/admin/scale", "{\"devices\": 1}", 202)).path("id").asString());
        assertThat(down.path("phase").asString()).isEqualTo("done");
        JsonNode rebalance = awaitDone(json(admin("/admin/rebalance", "", 202)).path("id").asString());
        assertThat(rebalance.path("phase").asString()).isEqualTo("done");

        assertThat(text(stream.get())).as("the stream that ran through all of it").isEqualTo(solo);
        String metrics = ServerTestSupport.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build()).body();
        assertThat(metrics).contains("moesaic_devices 1.0", "moesaic_scale_operations_total{kind=\"scale\",result=\"success\"}",
                "moesaic_expert_load_maxvio{scope=\"device\"}", "moesaic_memory_used_bytes{device=\"device-0\"}",
                "moesaic_device_expert_tokens_total");
    }

    @Test
    void badAdminRequestsGetClearErrors() throws Exception {
        ServerTestSupport.awaitReady(host);
        assertThat(send("/admin/scale", "{\"devices\": 2}", null).statusCode()).isIn(401, 403);
        assertThat(error(admin("/admin/scale", "{\"devices\": \"two\"}", 400))).contains("integer");
        assertThat(error(admin("/admin/scale", "not json", 400))).contains("JSON");
        assertThat(error(admin("/admin/scale", "{\"devices\": 99}", 400))).contains("between 1 and");
        assertThat(error(admin("/admin/devices/12345/fail", "", 404))).contains("no live device");
        assertThat(error(admin("/admin/devices/abc/fail", "", 400))).contains("integer");
        assertThat(get("/admin/scale/op-does-not-exist-404", 404).path("error").path("message").asString()).contains("no scaling operation");
    }

    private JsonNode awaitDone(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode s = get("/admin/scale/" + id);
            if (List.of("done", "failed", "rolled_back").contains(s.path("phase").asString())) {
                return s;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("operation " + id + " did not finish");
    }

    private JsonNode get(String path) {
        return get(path, 200);
    }

    private JsonNode get(String path, int status) {
        try {
            HttpResponse<String> r = ServerTestSupport.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Authorization", "Bearer " + TOKEN).build());
            assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(status);
            return Json.MAPPER.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String admin(String path, String body, int status) throws Exception {
        HttpResponse<String> r = send(path, body, TOKEN);
        assertThat(r.statusCode()).as("POST %s %s: %s", path, body, r.body()).isEqualTo(status);
        return r.body();
    }

    private HttpResponse<String> send(String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return ServerTestSupport.send(b.build());
    }

    private static JsonNode json(String body) {
        return Json.MAPPER.readTree(body);
    }

    private static String error(String body) {
        return json(body).path("error").path("message").asString();
    }

    private static String text(List<String> data) {
        StringBuilder sb = new StringBuilder();
        for (String d : data) {
            if (!d.equals("[DONE]")) {
                JsonNode choices = Json.MAPPER.readTree(d).path("choices");
                if (choices.size() > 0) {
                    sb.append(choices.get(0).path("text").asString());
                }
            }
        }
        return sb.toString();
    }
}
