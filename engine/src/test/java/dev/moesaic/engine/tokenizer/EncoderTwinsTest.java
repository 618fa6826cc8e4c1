package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.testing.Fixtures;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every fast path against its slow, obvious twin, on random text. */
class EncoderTwinsTest {
    private static final int TRIALS = 300;

    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "llama-spm", "deepseek-coder"})
    void fastEncoderMatchesReferenceOnVocabFixtures(String name) {
        RawVocabulary raw = VocabFiles.raw(name);
        assertTwinsAgree(raw, name.hashCode());
    }

    @Test
    void fastSentencePieceMatchesReferenceOnLlama2cAndBuiltinVocabularies() {
        assertTwinsAgree(Llama2cVocabularyReader.read(Fixtures.model("stories260K/tok512.bin"), 512), 1);
        assertTwinsAgree(BuiltinVocabulary.raw(), 2);
    }

    /** The GPT-2 vocabulary's merges run under every pre-tokenizer, so each preset's split and merge paths are compared. */
    @ParameterizedTest
    @EnumSource(PreTokenizerKind.class)
    void fastBytePairMatchesReferenceUnderEveryPreTokenizer(PreTokenizerKind kind) {
        RawVocabulary gpt2 = VocabFiles.raw("gpt-2");
        RawVocabulary raw = new RawVocabulary(gpt2.source(), gpt2.kind(), gpt2.tokens(), gpt2.scores(), gpt2.types(),
                gpt2.merges(), kind, gpt2.declaredIds(), gpt2.addBos(), gpt2.addEos(), gpt2.addSpacePrefix());
        assertTwinsAgree(raw, kind.ordinal());
    }

    private static void assertTwinsAgree(RawVocabulary raw, long seed) {
        Tokenizer fast = Tokenizers.fromRaw(raw);
        Tokenizer reference = Tokenizers.referenceFromRaw(raw);
        Random random = new Random(seed);
        for (int trial = 0; trial < TRIALS; trial++) {
            String text = RandomText.next(random, 25);
            assertThat(fast.encode(text, trial % 2 == 0)).as("'%s'", text).containsExactly(reference.encode(text, trial % 2 == 0));
        }
    }

    @Test
    void handWrittenSplittersMatchTheirRegexes() {
        Random random = new Random(11);
        SplitRule gpt2 = new Gpt2Split();
        SplitRule gpt2Regex = RegexSplit.unicodeGpt2();
        SplitRule llama3 = new Llama3Split();
        SplitRule llama3Regex = RegexSplit.unicodeLlama3();
        for (int trial = 0; trial < 3000; trial++) {
            CodepointText text = new CodepointText(RandomText.next(random, 20).codePoints().toArray());
            IntList pieces = randomCuts(random, text.length());
            assertThat(gpt2.split(text, pieces).toArray()).as("gpt-2 %s", text)
                    .containsExactly(gpt2Regex.split(text, pieces).toArray());
            assertThat(llama3.split(text, pieces).toArray()).as("llama3 %s", text)
                    .containsExactly(llama3Regex.split(text, pieces).toArray());
        }
    }

    /** Splitting must never cross the cuts made before; start from random cuts. */
    private static IntList randomCuts(Random random, int length) {
        IntList pieces = new IntList();
        int left = length;
        while (left > 0) {
            int piece = random.nextInt(3) == 0 ? 1 + random.nextInt(left) : left;
            pieces.add(piece);
            left -= piece;
        }
        return pieces;
    }
}
