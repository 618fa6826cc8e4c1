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
final class BytePairEncoder implements FragmentEncoder {
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
        Workspace ws = new Workspace();
        int start = 0;
        for (int w = 0; w < words.size(); w++) {
            int end = start + words.get(w);
            encodeWord(t, t.byteOffset[start], t.byteOffset[end], ws, out);
            start = end;
        }
    }

    private void encodeWord(ByteLevelText t, int from, int to, Workspace ws, IntList out) {
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
        ws.ensure(n);
        int[] sym = ws.sym;
        int[] size = ws.size;
        int[] prev = ws.prev;
        int[] next = ws.next;
        for (int i = 0; i < n; i++) {
            sym[i] = byteSymbol[t.utf8[from + i] & 0xFF];
            size[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PairQueue queue = ws.queue;
        queue.clear();
        for (int i = 1; i < n; i++) {
            offer(queue, sym, size, i - 1, i);
        }
        while (!queue.isEmpty()) {
            queue.poll();
            int left = PairQueue.leftOf(queue.polledKey);
            int right = queue.polledRight;
            if (size[left] == 0 || size[right] == 0 || size[left] + size[right] != queue.polledSize) {
                continue; // stale
            }
            sym[left] = mergeResult[(int) (queue.polledKey >>> 32)];
            size[left] += size[right];
            size[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(queue, sym, size, prev[left], left);
            offer(queue, sym, size, left, next[left]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            if (sym[i] < vocabSize) {
                out.add(sym[i]);
            } else {
                appendCharacterTokens(syntheticText.get(sym[i] - vocabSize), vocab, out);
            }
        }
    }

    private void offer(PairQueue queue, int[] sym, int[] size, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int rank = mergeRank.get(LongIntMap.pair(sym[left], sym[right]), -1);
        if (rank >= 0) {
            queue.add(PairQueue.rankKey(rank, left), right, size[left] + size[right]);
        }
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

    /** Per-call scratch arrays, grown to the longest word. */
    private static final class Workspace {
        int[] sym = new int[64];
        int[] size = new int[64];
        int[] prev = new int[64];
        int[] next = new int[64];
        final PairQueue queue = new PairQueue();

        void ensure(int n) {
            if (sym.length < n) {
                sym = new int[n];
                size = new int[n];
                prev = new int[n];
                next = new int[n];
            }
        }
    }
}
