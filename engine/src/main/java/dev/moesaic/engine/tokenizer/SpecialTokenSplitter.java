package dev.moesaic.engine.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Finds special tokens written literally in the text before it is tokenized (llama.cpp's
 * {@code tokenizer_st_partition}). Tokens are searched one after another, longest first; each cuts
 * every occurrence out of the text fragments that are left. User-defined tokens are always cut
 * out; control and unknown tokens only when parsing special tokens was asked for.
 */
final class SpecialTokenSplitter {
    /** A run of text to tokenize, or a special token (then {@code token >= 0}). */
    record Fragment(int token, int start, int end) {
        boolean isText() {
            return token < 0;
        }
    }

    private final VocabularyTable vocab;

    SpecialTokenSplitter(VocabularyTable vocab) {
        this.vocab = vocab;
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(-1, 0, text.length()));
        BitSet present = null;
        for (int id : vocab.partitionOrder()) {
            int attr = vocab.attr(id);
            if (!parseSpecial && (attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0) {
                continue;
            }
            String special = vocab.text(id);
            if (present == null) {
                present = charactersOf(text);
            }
            // cheap pre-check: most special tokens do not occur at all
            if (!present.get(special.codePointAt(0)) || !text.contains(special)) {
                continue;
            }
            fragments = cutOut(text, fragments, id, special);
        }
        return fragments;
    }

    private static List<Fragment> cutOut(String text, List<Fragment> fragments, int id, String special) {
        List<Fragment> out = new ArrayList<>(fragments.size() + 2);
        for (Fragment f : fragments) {
            if (!f.isText()) {
                out.add(f);
                continue;
            }
            // search within the fragment only: a match must not run into the next special token
            String fragment = text.substring(f.start(), f.end());
            int from = 0;
            for (int match; (match = fragment.indexOf(special, from)) >= 0; from = match + special.length()) {
                if (match > from) {
                    out.add(new Fragment(-1, f.start() + from, f.start() + match));
                }
                out.add(new Fragment(id, f.start() + match, f.start() + match + special.length()));
            }
            if (from < fragment.length()) {
                out.add(new Fragment(-1, f.start() + from, f.end()));
            }
        }
        return out;
    }

    private static BitSet charactersOf(String text) {
        BitSet set = new BitSet();
        text.codePoints().forEach(set::set);
        return set;
    }
}
