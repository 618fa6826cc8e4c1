package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Byte tokens, UTF-8 split across tokens, and streaming that equals whole-sequence decoding. */
class StreamingDecoderTest {
    static Tokenizer tok512;

    @BeforeAll
    static void load() {
        tok512 = Tokenizers.fromLlama2c(Fixtures.model("stories260K/tok512.bin"), 512);
    }

    /** tok512 has byte tokens <0x00>..<0xFF> at ids 3..258. */
    private static int byteToken(int b) {
        return 3 + (b & 0xFF);
    }

    @Test
    void byteTokensDecodeToTheirBytes() {
        assertThat(tok512.tokenBytes(byteToken(0x0A))).containsExactly(0x0A);
        assertThat(tok512.tokenBytes(byteToken(0xF0))).containsExactly(0xF0);
        assertThat(tok512.piece(byteToken(0xF0))).isEqualTo("<0xF0>");
        // "😀" is F0 9F 98 80: four byte tokens make one character
        int[] emoji = {byteToken(0xF0), byteToken(0x9F), byteToken(0x98), byteToken(0x80)};
        assertThat(tok512.encode("😀", false)).containsExactly(410, emoji[0], emoji[1], emoji[2], emoji[3]);
        assertThat(tok512.decode(emoji)).isEqualTo("😀");
    }

    @Test
    void aCharacterSplitAcrossByteTokensComesOutWhenItsLastByteArrives() {
        StreamingDecoder stream = tok512.newStreamingDecoder();
        assertThat(stream.accept(403)).isEqualTo("Once"); // first piece loses its space prefix
        assertThat(stream.accept(410)).isEqualTo(" ");
        assertThat(stream.accept(byteToken(0xF0))).isEmpty();
        assertThat(stream.accept(byteToken(0x9F))).isEmpty();
        assertThat(stream.accept(byteToken(0x98))).isEmpty();
        assertThat(stream.accept(byteToken(0x80))).isEqualTo("😀");
        assertThat(stream.accept(byteToken(0xE6))).isEmpty(); // 日 = E6 97 A5
        assertThat(stream.accept(byteToken(0x97))).isEmpty();
        assertThat(stream.accept(byteToken(0xA5))).isEqualTo("日");
        assertThat(stream.finish()).isEmpty();
    }

    @Test
    void bytesThatCanNeverFormACharacterBecomeReplacementCharacters() {
        StreamingDecoder stream = tok512.newStreamingDecoder();
        assertThat(stream.accept(byteToken(0x80))).isEqualTo("\uFFFD"); // a stray continuation byte
        assertThat(stream.accept(byteToken(0xE6))).isEmpty();
        assertThat(stream.accept(403)).isEqualTo("\uFFFD Once"); // the open sequence is cut off
        assertThat(stream.accept(byteToken(0xF0))).isEmpty();
        assertThat(stream.finish()).isEqualTo("\uFFFD"); // still open at the end
        assertThat(stream.finish()).isEmpty();
        assertThatThrownBy(() -> stream.accept(403)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void controlTokensRenderAsNothingAndTheFirstTokenConsumesTheSpacePrefix() {
        StreamingDecoder stream = tok512.newStreamingDecoder();
        assertThat(stream.accept(1)).isEmpty(); // BOS
        assertThat(stream.accept(403)).isEqualTo(" Once"); // as llama_detokenize: the space strip applies to the first token only
        assertThat(tok512.decode(new int[] {1, 403, 2})).isEqualTo(" Once");
        assertThat(tok512.decode(new int[] {1, 403, 2}, true, false)).isEqualTo(" Once");
        assertThat(tok512.decode(new int[] {1, 403, 2}, false, true)).isEqualTo("<s> Once</s>");
    }

    @Test
    void neverEmitsAReplacementCharacterForASequenceThatCompletes() {
        Random random = new Random(3);
        for (int trial = 0; trial < 500; trial++) {
            String text = RandomText.next(random, 15);
            int[] ids = tok512.encode(text, false);
            StreamingDecoder stream = tok512.newStreamingDecoder();
            StringBuilder out = new StringBuilder();
            for (int id : ids) {
                String piece = stream.accept(id);
                assertThat(piece).as("'%s'", text).doesNotContain("\uFFFD");
                out.append(piece);
            }
            out.append(stream.finish());
            assertThat(out.toString()).isEqualTo(tok512.decode(ids));
        }
    }

    /** Random id sequences, including broken UTF-8 and control tokens: streamed text equals decode(). */
    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "deepseek-coder"})
    void streamingEqualsWholeDecodeOnRandomIds(String name) {
        Tokenizer tokenizer = VocabFiles.tokenizer(name);
        Random random = new Random(name.hashCode());
        for (int trial = 0; trial < 300; trial++) {
            int[] ids = random.ints(random.nextInt(30), 0, tokenizer.vocabSize()).toArray();
            assertStreamEqualsDecode(tokenizer, ids);
        }
    }

    /** gpt-2 cleans spaces around punctuation and apostrophes; sequences dense in those cases. */
    @Test
    void streamingAppliesCleanUpSpacesLikeWholeDecode() {
        Tokenizer gpt2 = VocabFiles.tokenizer("gpt-2");
        List<Integer> tricky = new ArrayList<>();
        for (String s : new String[] {" ", "'", " '", "s", "re", "ve", "m", "t", "d", "ll", "?", "!", ".", ",", " ?",
                " ,", " .", "a", " a", "'s", " 's", "'re", "e", "v", "l", "  "}) {
            for (int id : gpt2.encode(s, false)) {
                tricky.add(id);
            }
        }
        Random random = new Random(5);
        for (int trial = 0; trial < 5000; trial++) {
            int[] ids = new int[random.nextInt(30)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = tricky.get(random.nextInt(tricky.size()));
            }
            assertStreamEqualsDecode(gpt2, ids);
        }
        assertThat(gpt2.decode(gpt2.encode("Hello , world ! it ' s here . We 're done", false)))
                .isEqualTo("Hello, world! it's here. We're done");
    }

    @Test
    void aLongGenerationStreamsToTheSameText() {
        String text = TokenizerThroughputTest.englishMegabyte().substring(0, 20_000);
        for (String name : new String[] {"gpt-2", "llama-spm"}) {
            Tokenizer tokenizer = VocabFiles.tokenizer(name);
            int[] ids = tokenizer.encode(text, false);
            assertStreamEqualsDecode(tokenizer, ids);
        }
    }

    private static void assertStreamEqualsDecode(Tokenizer tokenizer, int[] ids) {
        StreamingDecoder stream = tokenizer.newStreamingDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(stream.accept(id));
        }
        out.append(stream.finish());
        assertThat(out.toString()).as("ids %s", java.util.Arrays.toString(ids)).isEqualTo(tokenizer.decode(ids));
    }
}
