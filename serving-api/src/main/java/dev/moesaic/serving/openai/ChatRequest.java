package dev.moesaic.serving.openai;

import dev.moesaic.serving.chat.ChatMessage;
import java.util.List;

/** A validated {@code POST /v1/chat/completions} body. */
record ChatRequest(SamplingOptions options, List<ChatMessage> messages) {
}
