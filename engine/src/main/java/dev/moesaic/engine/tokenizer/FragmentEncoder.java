package dev.moesaic.engine.tokenizer;

/** Turns one run of text (no special tokens in it) into token ids, appending them to {@code out}. */
interface FragmentEncoder {
    void encode(String text, IntList out);
}
