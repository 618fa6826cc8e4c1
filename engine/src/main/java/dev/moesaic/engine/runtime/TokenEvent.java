package dev.moesaic.engine.runtime;

/**
 * One generated token of choice {@code choice}. {@code text} is the output text that became visible
 * with it: often the token's text, but empty while a multi-byte character or a possible stop string
 * is held back, and longer when held-back text is released. Concatenating every event's text and the
 * final {@link ChoiceEnd#text()} gives the choice's output.
 *
 * @param logprob null unless the request asked for logprobs
 */
public record TokenEvent(int choice, int token, String text, TokenLogprob logprob) {
}
