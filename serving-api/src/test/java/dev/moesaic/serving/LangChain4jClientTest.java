package dev.moesaic.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.moesaic.serving.host.ModelHost;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;

/** A real OpenAI client library (LangChain4j's OpenAI module), unchanged, against the server on a random port. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "moesaic.api-keys=test-key,second-key", "moesaic.admin-token=admin-secret", "moesaic.max-body-size=64KB"})
@AutoConfigureWebTestClient // same context as OpenAiApiTest, started once
class LangChain4jClientTest {
    @Value("${local.server.port}")
    int port;
    @Autowired
    ModelHost host;

    @BeforeEach
    void ready() throws InterruptedException {
        ServerTestSupport.awaitReady(host);
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    @Test
    void chatAndStreamingChatThroughLangChain4j() throws Exception {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey("test-key").modelName("builtin:tiny-moe")
                .temperature(0.0).maxTokens(12).build();
        ChatResponse response = chat.chat(UserMessage.from("Tell me a story"));
        String text = response.aiMessage().text();
        assertThat(response.tokenUsage().outputTokenCount()).isBetween(1, 12);
        assertThat(response.tokenUsage().inputTokenCount()).isPositive();
        assertThat(response.tokenUsage().totalTokenCount())
                .isEqualTo(response.tokenUsage().inputTokenCount() + response.tokenUsage().outputTokenCount());

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl()).apiKey("test-key")
                .modelName("builtin:tiny-moe").temperature(0.0).maxTokens(12).build();
        StringBuilder partials = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat("Tell me a story", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse complete) {
                done.complete(complete);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse streamed = done.get(2, TimeUnit.MINUTES);
        assertThat(partials.toString()).isEqualTo(text);
        assertThat(streamed.aiMessage().text()).isEqualTo(text);
    }

    @Test
    void aWrongKeyIsAnAuthenticationErrorForTheClient() {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey("wrong").modelName("builtin:tiny-moe")
                .maxRetries(0).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> chat.chat("hi"))
                .hasMessageContaining("API key");
    }
}
