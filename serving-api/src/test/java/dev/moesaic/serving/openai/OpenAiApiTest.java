package dev.moesaic.serving.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.serving.ServerTestSupport;
import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.host.ModelHost;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/** Every endpoint, parameter and error of the OpenAI API, through WebTestClient against the running server. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "moesaic.api-keys=test-key,second-key", "moesaic.admin-token=admin-secret", "moesaic.max-body-size=64KB"})
@AutoConfigureWebTestClient
class OpenAiApiTest {
    static final String MODEL = "builtin:tiny-moe";

    @Autowired
    WebTestClient anonymous;
    @Autowired
    ModelHost host;
    WebTestClient web;

    @BeforeEach
    void ready() throws InterruptedException {
        ServerTestSupport.awaitReady(host);
        // generation on a loaded 2-core machine can take longer than WebTestClient's 5 s default
        anonymous = anonymous.mutate().responseTimeout(java.time.Duration.ofMinutes(2)).build();
        web = anonymous.mutate().defaultHeader("Authorization", "Bearer test-key").build();
    }

    private JsonNode post(String path, String body, int status) {
        byte[] bytes = web.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isEqualTo(status).expectBody().returnResult().getResponseBody();
        return Json.MAPPER.readTree(bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8));
    }

    private JsonNode chat(String extra) {
        return post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]"
                + extra + "}", 200);
    }

    private JsonNode error(String path, String body, int status) {
        JsonNode n = post(path, body, status);
        assertError(n);
        return n.path("error");
    }

    static void assertError(JsonNode n) {
        assertThat(n.path("error").path("message").isString()).as("error.message in %s", n).isTrue();
        assertThat(n.path("error").path("type").isString()).isTrue();
        assertThat(n.path("error").has("param")).isTrue();
        assertThat(n.path("error").has("code")).isTrue();
        assertThat(n.toString()).doesNotContain("Exception", "\tat ", ".java:");
    }

    // ------------------------------------------------------------- models, health, metrics, admin

    @Test
    void modelsListsTheServedModel() {
        web.get().uri("/v1/models").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.object").isEqualTo("list")
                .jsonPath("$.data[0].id").isEqualTo(MODEL)
                .jsonPath("$.data[0].object").isEqualTo("model")
                .jsonPath("$.data[0].owned_by").isEqualTo("moesaic");
        web.get().uri("/v1/models/{id}", MODEL).exchange().expectStatus().isOk().expectBody().jsonPath("$.id").isEqualTo(MODEL);
        web.get().uri("/v1/models/nope").exchange().expectStatus().isNotFound().expectBody()
                .jsonPath("$.error.code").isEqualTo("model_not_found");
    }

    @Test
    void healthReadyAndMetricsNeedNoKey() {
        anonymous.get().uri("/health").exchange().expectStatus().isOk();
        anonymous.get().uri("/ready").exchange().expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("ready");
        chat(",\"max_tokens\":3,\"temperature\":0");
        String metrics = anonymous.get().uri("/metrics").exchange().expectStatus().isOk().expectBody(String.class).returnResult()
                .getResponseBody();
        for (String name : List.of("moesaic_num_requests_running ", "moesaic_num_requests_waiting ", "moesaic_kv_cache_usage_perc ",
                "moesaic_prompt_tokens_total ", "moesaic_generation_tokens_total ", "moesaic_time_to_first_token_seconds_bucket{",
                "moesaic_time_to_first_token_seconds_sum ", "moesaic_time_to_first_token_seconds_count ",
                "moesaic_inter_token_latency_seconds_bucket{", "moesaic_e2e_request_latency_seconds_bucket{",
                "moesaic_request_success_total{finished_reason=\"length\"}", "moesaic_devices 1",
                "moesaic_memory_used_bytes{device=\"device-0\"}", "moesaic_memory_peak_bytes{device=\"device-0\"}")) {
            assertThat(metrics).contains(name);
        }
    }

    @Test
    void adminNeedsTheAdminToken() {
        anonymous.get().uri("/admin/engine").exchange().expectStatus().isUnauthorized().expectBody()
                .jsonPath("$.error.type").isEqualTo("authentication_error");
        web.get().uri("/admin/engine").exchange().expectStatus().isUnauthorized(); // an API key is not the admin token
        anonymous.get().uri("/admin/engine").header("Authorization", "Bearer admin-secret").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.model").isEqualTo(MODEL).jsonPath("$.kv_total_blocks").isNumber();
    }

    @Test
    void apiKeysAreRequiredAndChecked() {
        anonymous.get().uri("/v1/models").exchange().expectStatus().isUnauthorized().expectBody()
                .jsonPath("$.error.code").isEqualTo("invalid_api_key")
                .jsonPath("$.error.message").value(m -> assertThat((String) m).contains("missing API key"));
        anonymous.get().uri("/v1/models").header("Authorization", "Bearer wrong").exchange().expectStatus().isUnauthorized();
        anonymous.get().uri("/v1/models").header("Authorization", "Basic dGVzdC1rZXk=").exchange().expectStatus().isUnauthorized();
        anonymous.get().uri("/v1/models").header("Authorization", "Bearer second-key").exchange().expectStatus().isOk();
    }

    // ------------------------------------------------------------- chat completions

    @Test
    void chatCompletionHasTheOpenAiShapeAndCorrectUsage() {
        JsonNode r = chat(",\"max_tokens\":7,\"temperature\":0,\"user\":\"alice\"");
        assertThat(r.path("id").asString()).startsWith("chatcmpl-");
        assertThat(r.path("object").asString()).isEqualTo("chat.completion");
        assertThat(r.path("model").asString()).isEqualTo(MODEL);
        assertThat(r.path("created").asLong()).isPositive();
        JsonNode c = r.path("choices").get(0);
        assertThat(c.path("index").asInt()).isZero();
        assertThat(c.path("message").path("role").asString()).isEqualTo("assistant");
        assertThat(c.path("finish_reason").asString()).isIn("length", "stop");
        int promptTokens = promptTokens("Tell me a story");
        JsonNode u = r.path("usage");
        assertThat(u.path("prompt_tokens").asInt()).isEqualTo(promptTokens);
        if (c.path("finish_reason").asString().equals("length")) {
            assertThat(u.path("completion_tokens").asInt()).isEqualTo(7);
        }
        assertThat(u.path("total_tokens").asInt()).isEqualTo(u.path("prompt_tokens").asInt() + u.path("completion_tokens").asInt());
    }

    private int promptTokens(String userMessage) {
        var served = host.ready();
        String text = served.chatTemplate().render(List.of(new dev.moesaic.serving.chat.ChatMessage("user", userMessage)), true);
        return served.tokenizer().encode(text, true, true).length;
    }

    @Test
    void temperatureZeroIsDeterministicAndMaxCompletionTokensWins() {
        JsonNode a = chat(",\"max_tokens\":100,\"max_completion_tokens\":6,\"temperature\":0");
        JsonNode b = chat(",\"max_completion_tokens\":6,\"temperature\":0");
        assertThat(a.path("choices").get(0).path("message").path("content").asString())
                .isEqualTo(b.path("choices").get(0).path("message").path("content").asString());
        assertThat(a.path("usage").path("completion_tokens").asInt()).isLessThanOrEqualTo(6);
    }

    @Test
    void seedMakesSamplingReproducibleAndNGivesIndependentChoices() {
        String params = ",\"max_tokens\":8,\"temperature\":1.3,\"top_p\":0.95,\"top_k\":50,\"seed\":1234,\"n\":3";
        JsonNode a = chat(params);
        JsonNode b = chat(params);
        assertThat(a.path("choices")).hasSize(3);
        assertThat(a.path("choices").toString()).isEqualTo(b.path("choices").toString());
        List<String> texts = List.of(text(a, 0), text(a, 1), text(a, 2));
        assertThat(texts).doesNotHaveDuplicates();
        int completion = 0;
        for (int i = 0; i < 3; i++) {
            assertThat(a.path("choices").get(i).path("index").asInt()).isEqualTo(i);
        }
        completion = a.path("usage").path("completion_tokens").asInt();
        assertThat(completion).isBetween(3, 24);
        assertThat(a.path("usage").path("prompt_tokens").asInt()).isEqualTo(promptTokens("Tell me a story"));
    }

    private static String text(JsonNode r, int i) {
        return r.path("choices").get(i).path("message").path("content").asString();
    }

    @Test
    void stopStringsCutTheOutputAndAreNeverIncluded() {
        String free = text(chat(",\"max_tokens\":40,\"temperature\":0,\"ignore_eos\":true"), 0);
        assertThat(free.length()).isGreaterThan(12);
        String stop = free.substring(8, 11);
        JsonNode r = chat(",\"max_tokens\":40,\"temperature\":0,\"ignore_eos\":true,\"stop\":[\"\\u0000never\"," + Json.MAPPER
                .writeValueAsString(stop) + "]");
        assertThat(text(r, 0)).isEqualTo(free.substring(0, free.indexOf(stop)));
        assertThat(r.path("choices").get(0).path("finish_reason").asString()).isEqualTo("stop");
        JsonNode single = chat(",\"max_tokens\":40,\"temperature\":0,\"ignore_eos\":true,\"stop\":" + Json.MAPPER.writeValueAsString(stop));
        assertThat(text(single, 0)).isEqualTo(text(r, 0));
    }

    @Test
    void logprobsAndTopLogprobs() {
        JsonNode r = chat(",\"max_tokens\":4,\"temperature\":0,\"logprobs\":true,\"top_logprobs\":3");
        JsonNode content = r.path("choices").get(0).path("logprobs").path("content");
        assertThat(content).hasSize(r.path("usage").path("completion_tokens").asInt());
        StringBuilder tokens = new StringBuilder();
        for (JsonNode t : content) {
            assertThat(t.path("logprob").asDouble()).isLessThanOrEqualTo(0);
            assertThat(t.path("bytes").isArray()).isTrue();
            assertThat(t.path("top_logprobs")).hasSize(3);
            assertThat(t.path("top_logprobs").get(0).path("logprob").asDouble()).isEqualTo(t.path("logprob").asDouble());
            tokens.append(t.path("token").asString());
        }
        JsonNode plain = chat(",\"max_tokens\":4,\"temperature\":0,\"logprobs\":true");
        assertThat(plain.path("choices").get(0).path("logprobs").path("content").get(0).path("top_logprobs")).isEmpty();
        assertThat(chat(",\"max_tokens\":2").path("choices").get(0).path("logprobs").isNull()).isTrue();
    }

    @Test
    void contentPartsUnicodeAndEveryRole() {
        String body = "{\"model\":\"" + MODEL + "\",\"max_tokens\":3,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Sé breve 😀 日本\"},"
                + "{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"part one\"},{\"type\":\"text\",\"text\":\" two\"}]},"
                + "{\"role\":\"user\",\"content\":\"lone surrogate \\ud800 and nul \\u0000\"},"
                + "{\"role\":\"assistant\",\"content\":null},{\"role\":\"tool\",\"content\":\"42\"},"
                + "{\"role\":\"user\",\"content\":\"\"}]}";
        JsonNode r = post("/v1/chat/completions", body, 200);
        assertThat(r.path("usage").path("completion_tokens").asInt()).isBetween(1, 3);
    }

    @Test
    void streamedChatSendsRoleFirstThenContentThenFinishUsageAndDone() throws Exception {
        int port = port();
        String body = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}],"
                + "\"max_tokens\":9,\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        List<String> data = ServerTestSupport.sse(ServerTestSupport.post(port, "/v1/chat/completions", body, "test-key"));
        assertThat(data.getLast()).isEqualTo("[DONE]");
        JsonNode first = Json.MAPPER.readTree(data.getFirst());
        assertThat(first.path("object").asString()).isEqualTo("chat.completion.chunk");
        assertThat(first.path("choices").get(0).path("delta").path("role").asString()).isEqualTo("assistant");
        JsonNode usageChunk = Json.MAPPER.readTree(data.get(data.size() - 2));
        assertThat(usageChunk.path("choices")).isEmpty();
        assertThat(usageChunk.path("usage").path("completion_tokens").asInt()).isEqualTo(9);
        JsonNode finish = Json.MAPPER.readTree(data.get(data.size() - 3));
        assertThat(finish.path("choices").get(0).path("finish_reason").asString()).isEqualTo("length");
        for (String d : data.subList(0, data.size() - 3)) {
            JsonNode n = Json.MAPPER.readTree(d);
            assertThat(n.path("choices").get(0).path("finish_reason").isNull()).isTrue();
            assertThat(n.has("usage") && n.path("usage").isNull()).isTrue();
            assertThat(n.path("id").asString()).isEqualTo(first.path("id").asString());
        }
        String whole = text(chat(",\"max_tokens\":9,\"temperature\":0"), 0);
        assertThat(ServerTestSupport.chatText(data, 0)).isEqualTo(whole);
        // without include_usage: no usage chunk, no usage fields
        List<String> plain = ServerTestSupport.sse(ServerTestSupport.post(port, "/v1/chat/completions",
                ServerTestSupport.chatBody("Tell me a story", 3, true), "test-key"));
        assertThat(String.join("\n", plain)).doesNotContain("usage");
    }

    @Value("${local.server.port}")
    int localPort;

    private int port() {
        return localPort;
    }

    // ------------------------------------------------------------- text completions

    @Test
    void completionsTakeStringsListsAndTokenIds() {
        JsonNode one = post("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":5,"
                + "\"temperature\":0}", 200);
        assertThat(one.path("object").asString()).isEqualTo("text_completion");
        assertThat(one.path("id").asString()).startsWith("cmpl-");
        String text = one.path("choices").get(0).path("text").asString();
        int[] ids = host.ready().tokenizer().encode("Once upon a time", true);
        assertThat(one.path("usage").path("prompt_tokens").asInt()).isEqualTo(ids.length);
        JsonNode byIds = post("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":" + java.util.Arrays.toString(ids)
                + ",\"max_tokens\":5,\"temperature\":0}", 200);
        assertThat(byIds.path("choices").get(0).path("text").asString()).isEqualTo(text);
        JsonNode many = post("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":[\"Once upon a time\",\"The\"," + java.util.Arrays
                .toString(ids) + "],\"max_tokens\":5,\"temperature\":0,\"n\":2}", 200);
        assertThat(many.path("choices")).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(many.path("choices").get(i).path("index").asInt()).isEqualTo(i);
        }
        assertThat(many.path("choices").get(0).path("text").asString()).isEqualTo(text);
        assertThat(many.path("choices").get(5).path("text").asString()).isEqualTo(text);
        int promptTotal = 2 * ids.length + host.ready().tokenizer().encode("The", true).length;
        assertThat(many.path("usage").path("prompt_tokens").asInt()).isEqualTo(promptTotal);
    }

    @Test
    void completionLogprobsUseTheLegacyShape() {
        JsonNode r = post("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"Once\",\"max_tokens\":4,\"temperature\":0,"
                + "\"logprobs\":2}", 200);
        JsonNode lp = r.path("choices").get(0).path("logprobs");
        int n = r.path("usage").path("completion_tokens").asInt();
        assertThat(lp.path("tokens")).hasSize(n);
        assertThat(lp.path("token_logprobs")).hasSize(n);
        assertThat(lp.path("top_logprobs")).hasSize(n);
        assertThat(lp.path("text_offset")).hasSize(n);
        assertThat(lp.path("top_logprobs").get(0).size()).isBetween(1, 2);
    }

    @Test
    void streamedCompletionEndsWithFinishReasonAndDone() throws Exception {
        String body = "{\"model\":\"" + MODEL + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":6,\"temperature\":0,\"stream\":true}";
        List<String> data = ServerTestSupport.sse(ServerTestSupport.post(port(), "/v1/completions", body, "test-key"));
        assertThat(data.getLast()).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode c = Json.MAPPER.readTree(d).path("choices").get(0);
            text.append(c.path("text").asString());
        }
        JsonNode last = Json.MAPPER.readTree(data.get(data.size() - 2));
        assertThat(last.path("choices").get(0).path("finish_reason").asString()).isEqualTo("length");
        JsonNode whole = post("/v1/completions", body.replace(",\"stream\":true", ""), 200);
        assertThat(text.toString()).isEqualTo(whole.path("choices").get(0).path("text").asString());
    }

    // ------------------------------------------------------------- errors

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]          | ",
            "not json at all                                                                               | ",
            "[1,2,3]                                                                                       | ",
            "\"just a string\"                                                                             | ",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}                                       | model",
            "{\"model\":42,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}                          | model",
            "{\"model\":\"builtin:tiny-moe\"}                                                              | messages",
            "{\"model\":\"builtin:tiny-moe\",\"messages\":[]}                                              | messages",
            "{\"model\":\"builtin:tiny-moe\",\"messages\":\"hi\"}                                          | messages",
            "{\"model\":\"builtin:tiny-moe\",\"messages\":[\"hi\"]}                                        | messages[0]",
            "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}      | messages[0].role",
            "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"content\":\"hi\"}]}                          | messages[0].role",
            "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"role\":\"user\"}]}                           | messages[0].content",
            "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"role\":\"user\",\"content\":5}]}             | messages[0].content",
            "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]} | messages[0].content[0]",
    })
    void malformedChatBodiesAre400(String body, String param) {
        JsonNode e = error("/v1/chat/completions", body, 400);
        assertThat(e.path("type").asString()).isEqualTo("invalid_request_error");
        if (param != null) {
            assertThat(e.path("param").asString()).isEqualTo(param);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"temperature\":\"hot\"            | temperature",
            "\"temperature\":-0.1               | temperature",
            "\"temperature\":2.5                | temperature",
            "\"temperature\":1e400              | temperature",
            "\"top_p\":0                        | top_p",
            "\"top_p\":1.01                     | top_p",
            "\"top_k\":-2                       | top_k",
            "\"top_k\":1.5                      | top_k",
            "\"max_tokens\":0                   | max_tokens",
            "\"max_tokens\":\"10\"              | max_tokens",
            "\"max_tokens\":1e30                | max_tokens",
            "\"max_tokens\":99999999999999999999999999 | max_tokens",
            "\"max_tokens\":5000                | max_tokens",
            "\"max_completion_tokens\":-1       | max_completion_tokens",
            "\"n\":0                            | n",
            "\"n\":1000                         | n",
            "\"n\":true                         | n",
            "\"seed\":\"abc\"                   | seed",
            "\"seed\":1e100                     | seed",
            "\"stop\":5                         | stop",
            "\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"] | stop",
            "\"stop\":[\"\"]                    | stop",
            "\"stop\":[1]                       | stop",
            "\"stream\":\"yes\"                 | stream",
            "\"stream_options\":{\"include_usage\":true} | stream_options",
            "\"stream\":true,\"stream_options\":3 | stream_options",
            "\"logprobs\":1                     | logprobs",
            "\"top_logprobs\":3                 | top_logprobs",
            "\"logprobs\":true,\"top_logprobs\":21 | top_logprobs",
            "\"user\":7                         | user",
            "\"presence_penalty\":0.5           | presence_penalty",
            "\"tools\":[{\"type\":\"function\"}] | tools",
            "\"response_format\":{\"type\":\"json_object\"} | response_format",
    })
    void invalidParametersAre400NamingTheParameter(String field, String param) {
        String body = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + field + "}";
        JsonNode e = error("/v1/chat/completions", body, 400);
        assertThat(e.path("param").asString()).isEqualTo(param);
        assertThat(e.path("message").asString()).contains(param);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"model\":\"builtin:tiny-moe\"}",
            "{\"model\":\"builtin:tiny-moe\",\"prompt\":[]}",
            "{\"model\":\"builtin:tiny-moe\",\"prompt\":{}}",
            "{\"model\":\"builtin:tiny-moe\",\"prompt\":[1,-5]}",
            "{\"model\":\"builtin:tiny-moe\",\"prompt\":[1,99999]}",
            "{\"model\":\"builtin:tiny-moe\",\"prompt\":[\"a\",[]]}",
            "{\"model\":\"builtin:tiny-moe\",\"prompt\":\"a\",\"logprobs\":6}",
            "{\"model\":\"builtin:tiny-moe\",\"prompt\":\"a\",\"echo\":true}",
            "{\"model\":\"builtin:tiny-moe\",\"prompt\":\"a\",\"best_of\":3}",
            "{\"model\":\"builtin:tiny-moe\",\"prompt\":\"a\",\"suffix\":\"b\"}"})
    void invalidCompletionBodiesAre400(String body) {
        error("/v1/completions", body, 400);
    }

    @Test
    void unknownModelIs404() {
        JsonNode e = error("/v1/chat/completions", "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 404);
        assertThat(e.path("code").asString()).isEqualTo("model_not_found");
        assertThat(e.path("param").asString()).isEqualTo("model");
        error("/v1/completions", "{\"model\":\"gpt-4\",\"prompt\":\"hi\"}", 404);
    }

    @Test
    void promptLongerThanTheContextIs400() {
        String longText = "zq ".repeat(3000); // about 2 tokens per repetition: far beyond the 4096-token context
        JsonNode e = error("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"" + longText + "\"}", 400);
        assertThat(e.path("code").asString()).isEqualTo("context_length_exceeded");
        JsonNode chat = error("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + longText + "\"}]}", 400);
        assertThat(chat.path("code").asString()).isEqualTo("context_length_exceeded");
        assertThat(chat.path("param").asString()).isEqualTo("messages");
    }

    @Test
    void bodyOverTheLimitIs413() {
        String huge = "{\"model\":\"" + MODEL + "\",\"prompt\":\"" + "a".repeat(70_000) + "\"}";
        JsonNode e = error("/v1/completions", huge, 413);
        assertThat(e.path("code").asString()).isEqualTo("request_too_large");
    }

    @Test
    void emptyBodyUnknownRoutesAndWrongMethodsAreClientErrors() {
        web.post().uri("/v1/chat/completions").exchange().expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error.message").value(m -> assertThat((String) m).contains("empty"));
        web.get().uri("/v1/nothing-here").exchange().expectStatus().isNotFound().expectBody().jsonPath("$.error.code")
                .isEqualTo("not_found");
        web.get().uri("/v1/chat/completions").exchange().expectStatus().isEqualTo(405).expectBody().jsonPath("$.error.type")
                .isEqualTo("invalid_request_error");
        web.post().uri("/v1/completions").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("model", MODEL, "prompt", "a",
                "max_tokens", 1)).exchange().expectStatus().isOk();
    }
}
