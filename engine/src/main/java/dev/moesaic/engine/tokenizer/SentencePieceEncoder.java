package dev.moesaic.engine.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * SentencePiece-style tokenization as llama.cpp's {@code llm_tokenizer_spm} does it. The text (spaces
 * already spelled U+2581) starts as one symbol per character; the adjacent pair whose concatenation
 * is the highest-scoring token is merged (leftmost pair on equal scores), again and again until no
 * adjacent pair forms a token. A character that never became part of a token falls back to its
 * UTF-8 bytes as {@code <0xXX>} tokens.
 *
 * <p>Fast path: symbols are ids, not strings. Every way to write each token as "symbol + symbol"
 * is tabulated once, so a candidate merge is one primitive-map lookup; the queue is a heap of
 * primitives. And the text is cut where no merge can ever reach across: between two characters
 * that are adjacent inside no token (typically before each word's U+2581), no token can cover
 * both, so the two sides merge independently and each side's merges happen in the same order as
 * in one queue over the whole text. Small queues per word instead of one queue per megabyte.
 * {@link SentencePieceReference} is the slow, obvious twin a test compares this with.
 */
final class SentencePieceEncoder implements FragmentEncoder, SymbolMerger.Rules {
    private final VocabularyTable vocab;
    private final int vocabSize;
    /** code point -> symbol: the token id if the character is a token, else a synthetic id >= vocabSize. */
    private final LongIntMap charSymbol;
    /** (left symbol, right symbol) -> the token they merge into. */
    private final LongIntMap pairToken;
    private final int[] byteToken;
    /** (code point, code point) pairs adjacent inside some token; the text is cut between any other two. */
    private final LongIntMap innerPairs;

    SentencePieceEncoder(VocabularyTable vocab) {
        this.vocab = vocab;
        this.vocabSize = vocab.size();
        this.charSymbol = new LongIntMap(1024);
        this.pairToken = new LongIntMap(vocabSize * 4);
        int[] nextSynthetic = {vocabSize};
        for (int id = 0; id < vocabSize; id++) {
            String t = vocab.text(id);
            if (t.codePointCount(0, t.length()) == 1) {
                charSymbol.putIfAbsent(t.codePointAt(0), id);
            }
        }
        for (int id = 0; id < vocabSize; id++) {
            String t = vocab.text(id);
            for (int cut = t.offsetByCodePoints(0, 1) ; cut < t.length(); cut = t.offsetByCodePoints(cut, 1)) {
                int left = symbolOf(t.substring(0, cut), nextSynthetic);
                int right = symbolOf(t.substring(cut), nextSynthetic);
                if (left >= 0 && right >= 0) {
                    pairToken.putIfAbsent(LongIntMap.pair(left, right), id);
                }
            }
        }
        this.byteToken = byteFallbackTokens(vocab);
        this.innerPairs = new LongIntMap(vocabSize * 2);
        for (int id = 0; id < vocabSize; id++) {
            int[] cps = vocab.text(id).codePoints().toArray();
            for (int i = 1; i < cps.length; i++) {
                innerPairs.putIfAbsent(LongIntMap.pair(cps[i - 1], cps[i]), 1);
            }
        }
    }

    /** The symbol id a merge operand can have: a token, or a lone character; -1 if it can never be a symbol. */
    private int symbolOf(String s, int[] nextSynthetic) {
        int id = vocab.id(s);
        if (id >= 0) {
            return id;
        }
        if (s.codePointCount(0, s.length()) != 1) {
            return -1; // neither a token nor a single character: no symbol ever has this text
        }
        int cp = s.codePointAt(0);
        int known = charSymbol.get(cp, -1);
        if (known >= 0) {
            return known;
        }
        charSymbol.putIfAbsent(cp, nextSynthetic[0]);
        return nextSynthetic[0]++;
    }

    /** byte -> its {@code <0xXX>} token, else the one-character token, else the unknown token (llama.cpp aborts). */
    static int[] byteFallbackTokens(VocabularyTable vocab) {
        int[] tokens = new int[256];
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = vocab.id(String.valueOf((char) b));
            }
            tokens[b] = id >= 0 ? id : vocab.special(SpecialRole.UNK);
        }
        return tokens;
    }

    @Override
    public void encode(String text, IntList out) {
        int[] cps = text.codePoints().toArray();
        SymbolMerger ws = new SymbolMerger();
        int start = 0;
        for (int i = 1; i <= cps.length; i++) {
            if (i == cps.length || innerPairs.get(LongIntMap.pair(cps[i - 1], cps[i]), 0) == 0) {
                encodeSegment(cps, start, i, ws, out);
                start = i;
            }
        }
    }

    /** The merge loop over {@code cps[from..to)}; symbol i of the segment is code point from + i. */
    private void encodeSegment(int[] cps, int from, int to, SymbolMerger ws, IntList out) {
        int n = to - from;
        if (n == 0) {
            return;
        }
        int[] sym = ws.symbols(n);
        for (int i = 0; i < n; i++) {
            sym[i] = charSymbol.get(cps[from + i], -1);
        }
        ws.merge(n, this);
        int[] next = ws.next;
        for (int i = 0; i != -1; i = next[i]) {
            if (sym[i] >= 0 && sym[i] < vocabSize) {
                out.add(sym[i]);
            } else {
                appendBytes(cps[from + i], out);
            }
        }
    }

    /** Symbols are tokens (or -1 for a code point that is none); two merge if their concatenation is a token. */
    @Override
    public int mergeOf(int a, int b) {
        return a < 0 || b < 0 ? -1 : pairToken.get(LongIntMap.pair(a, b), -1);
    }

    @Override
    public long key(int token, int left) {
        return PairQueue.scoreKey(vocab.score(token), left);
    }

    @Override
    public int merged(long key, int a, int b) {
        return pairToken.get(LongIntMap.pair(a, b), -1);
    }

    private void appendBytes(int cp, IntList out) {
        for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
            int id = byteToken[b & 0xFF];
            if (id >= 0) {
                out.add(id);
            }
        }
    }
}
