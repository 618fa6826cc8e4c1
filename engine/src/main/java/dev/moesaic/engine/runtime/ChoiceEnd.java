package dev.moesaic.engine.runtime;

/**
 * Choice {@code choice} has finished.
 *
 * @param text             the last piece of output text (held-back text released at the end; may be empty)
 * @param error            what went wrong when {@code reason} is {@link FinishReason#ERROR}, else null
 * @param completionTokens tokens the model generated for this choice, including an end-of-generation token
 *                         and the tokens of a matched stop string
 */
public record ChoiceEnd(int choice, FinishReason reason, String text, String error, int completionTokens) {
}
