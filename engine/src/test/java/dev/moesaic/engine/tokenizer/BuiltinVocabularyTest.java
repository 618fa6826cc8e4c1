package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.gguf.GgufFile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltinVocabularyTest {
    private final Tokenizer tokenizer = Tokenizers.builtin();

    @Test
    void hasTheDocumentedLayout() {
        String[] tokens = BuiltinVocabulary.tokens();
        TokenType[] types = BuiltinVocabulary.tokenTypes();
        float[] scores = BuiltinVocabulary.scores();
        assertThat(tokens).hasSize(512).doesNotHaveDuplicates();
        assertThat(tokens).startsWith("<unk>", "<s>", "</s>", "<0x00>", "<0x01>");
        assertThat(tokens[258]).isEqualTo("<0xFF>");
        assertThat(types[0]).isEqualTo(TokenType.UNKNOWN);
        assertThat(types[1]).isEqualTo(TokenType.CONTROL);
        assertThat(types[2]).isEqualTo(TokenType.CONTROL);
        for (int id = 3; id < 259; id++) {
            assertThat(types[id]).isEqualTo(TokenType.BYTE);
        }
        for (int id = 259; id < 512; id++) {
            assertThat(types[id]).isEqualTo(TokenType.NORMAL);
            assertThat(scores[id]).isEqualTo(259f - id); // descending: 0, -1, -2, ...
        }
        assertThat(tokenizer.vocabSize()).isEqualTo(512);
        assertThat(tokenizer.bos()).isEqualTo(1);
        assertThat(tokenizer.eos()).isEqualTo(2);
        assertThat(tokenizer.isEndOfGeneration(2)).isTrue();
        assertThat(tokenizer.addBos()).isTrue();
        assertThat(BuiltinVocabulary.tokens()).isEqualTo(tokens); // deterministic
    }

    /** SentencePiece merging can only build a piece from two symbols that exist: pieces must be built from earlier ones. */
    @Test
    void everyPieceIsTheMergeOfTwoEarlierPiecesOrCharacters() {
        String[] tokens = BuiltinVocabulary.tokens();
        Map<String, Integer> index = new HashMap<>();
        for (int id = BuiltinVocabulary.FIRST_PIECE_ID; id < tokens.length; id++) {
            index.put(tokens[id], id);
        }
        for (int id = BuiltinVocabulary.FIRST_PIECE_ID; id < tokens.length; id++) {
            String piece = tokens[id];
            if (piece.codePointCount(0, piece.length()) == 1) {
                continue;
            }
            boolean buildable = false;
            for (int cut = 1; cut < piece.length() && !buildable; cut++) {
                buildable = earlierOrCharacter(piece.substring(0, cut), id, index)
                        && earlierOrCharacter(piece.substring(cut), id, index);
            }
            assertThat(buildable).as("piece %d '%s'", id, piece).isTrue();
        }
    }

    private static boolean earlierOrCharacter(String s, int before, Map<String, Integer> index) {
        return s.codePointCount(0, s.length()) == 1 || index.getOrDefault(s, Integer.MAX_VALUE) < before;
    }

    @Test
    void ordinaryEnglishTakesFewerTokensThanCharacters() {
        String text = "The weather was warm, so we walked along the river and talked about the books we had read"
                + " this year. Later that evening, everyone met at a small restaurant near the station, where the"
                + " food was simple but very good.";
        int[] ids = tokenizer.encode(text, false);
        // 2.46 characters per token here; llama2.c's tok512 (also 253 pieces over bytes) manages 2.12
        assertThat((double) text.length() / ids.length).as("characters per token").isGreaterThan(2.3);
        assertThat(tokenizer.decode(ids)).isEqualTo(text);
        int[] the = tokenizer.encode("the", false);
        assertThat(the).hasSize(1);
        assertThat(tokenizer.piece(the[0])).isEqualTo("\u2581the");
    }

    @Test
    void anyTextRoundTripsThroughByteFallback() {
        Random random = new Random(13);
        for (int trial = 0; trial < 500; trial++) {
            String text = RandomText.next(random, 20).replace("\u2581", ""); // a literal U+2581 reads back as a space
            assertThat(tokenizer.decode(tokenizer.encode(text, false))).as("'%s'", text).isEqualTo(text);
            // after BOS the space prefix is no longer stripped: llama.cpp strips it from the first token only
            assertThat(tokenizer.decode(tokenizer.encode(text, true))).isEqualTo(text.isEmpty() ? "" : " " + text);
        }
    }

    /** Written into a GGUF with {@link BuiltinVocabulary#ggufMetadata()}, the vocabulary loads back as the same tokenizer. */
    @Test
    void ggufMetadataRoundTrips(@TempDir Path dir) {
        Path file = new TestGguf().put("general.architecture", "qwen3moe").putAll(BuiltinVocabulary.ggufMetadata())
                .write(dir, "builtin.gguf");
        try (GgufFile gguf = GgufFile.open(file)) {
            Tokenizer loaded = Tokenizers.fromGguf(gguf);
            Random random = new Random(17);
            for (int trial = 0; trial < 200; trial++) {
                String text = RandomText.next(random, 20);
                assertThat(loaded.encode(text, true)).containsExactly(tokenizer.encode(text, true));
            }
            for (int id = 0; id < 512; id++) {
                assertThat(loaded.tokenBytes(id)).isEqualTo(tokenizer.tokenBytes(id));
            }
        }
    }
}
