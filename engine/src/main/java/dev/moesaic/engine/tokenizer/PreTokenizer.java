package dev.moesaic.engine.tokenizer;

import java.util.List;

/** Cuts text into the words byte-level BPE merges within: each rule cuts the pieces of the one before. */
final class PreTokenizer {
    private final List<SplitRule> rules;

    PreTokenizer(List<SplitRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Word lengths in code points, in order, covering all of {@code text}. */
    IntList split(CodepointText text) {
        IntList pieces = new IntList(1);
        if (text.length() > 0) {
            pieces.add(text.length());
        }
        for (SplitRule rule : rules) {
            pieces = rule.split(text, pieces);
        }
        return pieces;
    }
}
