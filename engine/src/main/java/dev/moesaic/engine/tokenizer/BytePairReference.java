package dev.moesaic.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The slow, obvious byte-level BPE: per word, scan all adjacent pairs of symbol strings, merge the
 * lowest-ranked (leftmost on ties), repeat. The reference {@link BytePairEncoder} is tested against.
 */
final class BytePairReference implements FragmentEncoder {
    private record Pair(String left, String right) {
    }

    private final VocabularyTable vocab;
    private final PreTokenizer preTokenizer;
    private final Map<Pair, Integer> ranks = new HashMap<>();

    BytePairReference(VocabularyTable vocab, String[] merges, PreTokenizer preTokenizer) {
        this.vocab = vocab;
        this.preTokenizer = preTokenizer;
        for (int rank = 0; rank < merges.length; rank++) {
            int space = merges[rank].indexOf(' ', 1);
            if (space > 0) {
                ranks.putIfAbsent(new Pair(merges[rank].substring(0, space), merges[rank].substring(space + 1)), rank);
            }
        }
    }

    @Override
    public void encode(String text, IntList out) {
        ByteLevelText t = new ByteLevelText(text);
        IntList words = preTokenizer.split(t.codepoints);
        int start = 0;
        for (int w = 0; w < words.size(); w++) {
            int end = start + words.get(w);
            String word = t.byteLevelSpelling(t.byteOffset[start], t.byteOffset[end]);
            encodeWord(word, out);
            start = end;
        }
    }

    private void encodeWord(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (vocab.ignoreMerges && vocab.id(word) >= 0) {
            out.add(vocab.id(word));
            return;
        }
        List<String> symbols = new ArrayList<>();
        for (char c : word.toCharArray()) {
            symbols.add(String.valueOf(c)); // byte characters are all in the BMP
        }
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(new Pair(symbols.get(i), symbols.get(i + 1)));
                if (rank != null && rank < bestRank) {
                    best = i;
                    bestRank = rank;
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        for (String s : symbols) {
            int id = vocab.id(s);
            if (id >= 0) {
                out.add(id);
            } else {
                BytePairEncoder.appendCharacterTokens(s, vocab, out);
            }
        }
    }
}
