package dev.moesaic.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The slow, obvious SentencePiece merge loop: scan all adjacent pairs, merge the one whose
 * concatenation is the best-scoring token (leftmost on ties), repeat. Quadratic; the reference
 * {@link SentencePieceEncoder} is tested against.
 */
final class SentencePieceReference implements FragmentEncoder {
    private final VocabularyTable vocab;
    private final int[] byteToken;

    SentencePieceReference(VocabularyTable vocab) {
        this.vocab = vocab;
        this.byteToken = SentencePieceEncoder.byteFallbackTokens(vocab);
    }

    @Override
    public void encode(String text, IntList out) {
        List<String> symbols = new ArrayList<>();
        text.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        while (true) {
            int best = -1;
            float bestScore = 0;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                int token = vocab.id(symbols.get(i) + symbols.get(i + 1));
                if (token >= 0 && (best < 0 || vocab.score(token) > bestScore)) {
                    best = i;
                    bestScore = vocab.score(token);
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        for (String s : symbols) {
            int token = vocab.id(s);
            if (token >= 0) {
                out.add(token);
                continue;
            }
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                if (byteToken[b & 0xFF] >= 0) {
                    out.add(byteToken[b & 0xFF]);
                }
            }
        }
    }
}
