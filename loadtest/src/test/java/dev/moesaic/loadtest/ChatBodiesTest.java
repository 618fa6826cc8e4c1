package dev.moesaic.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatBodiesTest {
    @Test
    void buildsAnOpenAiChatRequest() {
        assertThat(ChatBodies.chat("builtin:tiny-moe", "Hi", 16, true)).isEqualTo(
                "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                        + "\"max_tokens\":16,\"temperature\":0,\"stream\":true}");
        assertThat(ChatBodies.chat("m", "Hi", 1, false)).doesNotContain("stream");
    }

    @Test
    void escapesJsonStrings() {
        assertThat(ChatBodies.quote("a\"b\\c\nd\te\u0001é😀")).isEqualTo("\"a\\\"b\\\\c\\nd\\te\\u0001é😀\"");
    }
}
