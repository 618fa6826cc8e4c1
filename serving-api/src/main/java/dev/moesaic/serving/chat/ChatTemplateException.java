package dev.moesaic.serving.chat;

/** The model's chat template refused the messages (its raise_exception) or could not be rendered. */
public final class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }
}
