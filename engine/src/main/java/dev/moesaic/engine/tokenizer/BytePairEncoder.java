package dev.moesaic.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE as llama.cpp's {@code llm_tokenizer_bpe} does it. The pre-tokenizer cuts the text
 * into words; each word's UTF-8 bytes start as one symbol each (spelled as GPT-2 byte characters);
 * the adjacent pair with the lowest merge rank is merged (leftmost on ties) until no pair has a
 * rank. A finished symbol that is not a token falls back to its one-character tokens, and is
 * dropped where there are none (as in llama.cpp).
 *
 * <p>Fast path: symbols are ids; the merge table maps (left id, right id) to (rank, result id) in a
 * primitive map, strings that are merge results but not tokens get synthetic ids above the
 * vocabulary. {@link BytePairReference} is the slow, obvious twin a test compares this with.
 */
final class BytePairEncoder implements FragmentEncoder, SymbolMerger.Rules {
    private final VocabularyTable vocab;
    private final PreTokenizer preTokenizer;
    private final int vocabSize;
    private final int[] byteSymbol = new int[256];
    private final LongIntMap mergeRank;
    private final int[] mergeResult;
    /** Texts of synthetic symbols (id - vocabSize). */
    private final List<String> syntheticText = new ArrayList<>();
    private final Map<String, Integer> syntheticId = new HashMap<>();

    BytePairEncoder(VocabularyTable vocab, String[] merges, PreTokenizer preTokenizer) {
        this.vocab = vocab;
        this.preTokenizer = preTokenizer;
        this.vocabSize = vocab.size();
        for (int b = 0; b < 256; b++) {
            byteSymbol[b] = symbolOf(String.valueOf(ByteLevelMapping.charOf(b)));
        }
        this.mergeRank = new LongIntMap(merges.length);
        this.mergeResult = new int[merges.length];
        for (int rank = 0; rank < merges.length; rank++) {
            String merge = merges[rank];
            int space = merge.indexOf(' ', 1);
            if (space < 0) {
                continue; // llama.cpp files this under an empty pair no symbol can form
            }
            String first = merge.substring(0, space);
            String second = merge.substring(space + 1);
            if (mergeRank.putIfAbsent(LongIntMap.pair(symbolOf(first), symbolOf(second)), rank)) {
                mergeResult[rank] = symbolOf(first + second);
            }
        }
    }

    private int symbolOf(String s) {
        int id = vocab.id(s);
        if (id >= 0) {
            return id;
        }
        return syntheticId.computeIfAbsent(s, k -> {
            syntheticText.add(k);
            return vocabSize + syntheticText.size() - 1;
        });
    }

    @Override
    public void encode(String text, IntList out) {
        ByteLevelText t = new ByteLevelText(text);
        IntList words = preTokenizer.split(t.codepoints);
        SymbolMerger ws = new SymbolMerger();
        int start = 0;
        for (int w = 0; w < words.size(); w++) {
            int end = start + words.get(w);
            encodeWord(t, t.byteOffset[start], t.byteOffset[end], ws, out);
            start = end;
        }
    }

    private void encodeWord(ByteLevelText t, int from, int to, SymbolMerger ws, IntList out) {
        int n = to - from;
        if (n == 0) {
            return;
        }
        if (vocab.ignoreMerges) {
            int whole = vocab.id(t.byteLevelSpelling(from, to));
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        int[] sym = ws.symbols(n);
        for (int i = 0; i < n; i++) {
            sym[i] = byteSymbol[t.utf8[from + i] & 0xFF];
        }
        ws.merge(n, this);
        int[] next = ws.next;
        for (int i = 0; i != -1; i = next[i]) {
            if (sym[i] < vocabSize) {
                out.add(sym[i]);
            } else {
                appendCharacterTokens(syntheticText.get(sym[i] - vocabSize), vocab, out);
            }
        }
    }

    @Override
    public int mergeOf(int a, int b) {
        return mergeRank.get(LongIntMap.pair(a, b), -1);
    }

    @Override
    public long key(int rank, int left) {
        return PairQueue.rankKey(rank, left);
    }

    @Override
    public int merged(long key, int a, int b) {
        return mergeResult[(int) (key >>> 32)];
    }

    /**
     * llama.cpp's fallback for a symbol that is not a token: look up each of its UTF-8 bytes as a
     * one-byte token. Only ASCII characters can be one-byte tokens; the rest are dropped.
     */
    static void appendCharacterTokens(String symbol, VocabularyTable vocab, IntList out) {
        for (int i = 0; i < symbol.length(); i++) {
            char c = symbol.charAt(i);
            if (c < 0x80) {
                int id = vocab.id(String.valueOf(c));
                if (id >= 0) {
                    out.add(id);
                }
            }
        }
    }
}
