package dev.moesaic.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.testing.Fixtures;
import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.host.ModelHost;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A real model file served over HTTP: stories260K (GGUF) continues "Once upon a time" with exactly
 * llama.cpp's greedy text from the golden file, streamed or not, by text or by token ids.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RealModelServerTest {
    /** llama.cpp's greedy continuation of [1, 403, 407, 261, 378] (stories260K.golden.json). */
    static final String GOLDEN = ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw";

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("moesaic.model", () -> Fixtures.model("gguf/stories260K.gguf").toString());
        registry.add("moesaic.served-model-name", () -> "stories");
    }

    @Value("${local.server.port}")
    int port;
    @Autowired
    ModelHost host;

    @Test
    void greedyCompletionMatchesLlamaCppGoldenText() throws Exception {
        ServerTestSupport.awaitReady(host);
        String byText = "{\"model\":\"stories\",\"prompt\":\"Once upon a time\",\"max_tokens\":32,\"temperature\":0}";
        JsonNode r = Json.MAPPER.readTree(ServerTestSupport.send(ServerTestSupport.post(port, "/v1/completions", byText, null)).body());
        assertThat(r.path("usage").path("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(r.path("choices").get(0).path("text").asString()).isEqualTo(GOLDEN);

        String byIds = "{\"model\":\"stories\",\"prompt\":[1,403,407,261,378],\"max_tokens\":32,\"temperature\":0,\"stream\":true}";
        List<String> data = ServerTestSupport.sse(ServerTestSupport.post(port, "/v1/completions", byIds, null));
        StringBuilder streamed = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) {
            streamed.append(Json.MAPPER.readTree(d).path("choices").get(0).path("text").asString());
        }
        assertThat(streamed.toString()).isEqualTo(GOLDEN);
    }
}
