package dev.moesaic.serving.openai;

/** One prompt of a text completion: text to tokenize, or token ids as they are (exactly one is non-null). */
record PromptInput(String text, int[] ids) {
}
