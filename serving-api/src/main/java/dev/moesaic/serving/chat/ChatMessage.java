package dev.moesaic.serving.chat;

/** One message of a chat, with its content flattened to text. */
public record ChatMessage(String role, String content) {
}
