package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.testing.Fixtures;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** stories260K's llama2.c tokenizer file, against llama2.c's golden ids and the GGUF conversion of the same vocabulary. */
class Llama2cTokenizerTest {
    static Tokenizer llama2c;
    static Tokenizer gguf;
    static JsonNode golden;

    @BeforeAll
    static void load() {
        llama2c = Tokenizers.fromLlama2c(Fixtures.model("stories260K/tok512.bin"), 512);
        try (GgufFile file = GgufFile.open(Fixtures.model("gguf/stories260K.gguf"))) {
            gguf = Tokenizers.fromGguf(file);
        }
        golden = new ObjectMapper().readTree(Fixtures.model("stories260K/golden.json").toFile());
    }

    @Test
    void encodesOnceUponATimeLikeLlama2c() {
        int[] expected = GoldenTokenizationTest.ints(golden.get("encode_once_upon_a_time"));
        assertThat(expected).containsExactly(1, 403, 407, 261, 378);
        assertThat(llama2c.encode("Once upon a time", true)).containsExactly(expected);
        assertThat(llama2c.bos()).isEqualTo(1);
        assertThat(llama2c.eos()).isEqualTo(2);
        assertThat(llama2c.addBos()).isTrue();
        assertThat(llama2c.vocabSize()).isEqualTo(512);
    }

    @Test
    void decodesTheGoldenStoryLikeLlama2c() {
        int[] story = GoldenTokenizationTest.ints(golden.get("greedy_from_BOS_60"));
        // llama2.c prints the story without BOS and without the first piece's leading space
        assertThat(llama2c.decode(Arrays.copyOfRange(story, 1, story.length)))
                .isEqualTo(golden.get("greedy_from_BOS_60_text").asString())
                .startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside in the park.");
        int[] prompt40 = GoldenTokenizationTest.ints(golden.get("greedy_prompt_40"));
        assertThat(llama2c.decode(Arrays.copyOfRange(prompt40, 1, prompt40.length)))
                .isEqualTo(golden.get("greedy_prompt_40_text").asString());
        // re-encoding the story text gives the story's ids back
        assertThat(llama2c.encode(golden.get("greedy_prompt_40_text").asString(), true)).containsExactly(prompt40);
    }

    @Test
    void theGoldenTokenizationEntriesHoldForTheLlama2cFileToo() {
        JsonNode entries = GoldenTokenizationTest.golden("stories260K.golden.json").get("tokenization");
        for (JsonNode entry : entries) {
            String text = entry.get("text").asString();
            assertThat(llama2c.encode(text, true)).containsExactly(GoldenTokenizationTest.ints(entry.get("ids_add_special")));
            assertThat(llama2c.encode(text, false)).containsExactly(GoldenTokenizationTest.ints(entry.get("ids_no_special")));
            assertThat(llama2c.decode(GoldenTokenizationTest.ints(entry.get("ids_no_special"))))
                    .isEqualTo(entry.get("detokenized").asString());
        }
    }

    @Test
    void holdsTheSameVocabularyAsTheGgufConversion() {
        for (int id = 0; id < 512; id++) {
            assertThat(llama2c.piece(id)).as("piece %d", id).isEqualTo(gguf.piece(id));
            assertThat(llama2c.tokenBytes(id)).as("bytes of %d", id).isEqualTo(gguf.tokenBytes(id));
        }
        Random random = new Random(7);
        String alphabet = "Once upon a time, there was a little girl named Lily. é😀日本\n\t  'x?!";
        for (int trial = 0; trial < 200; trial++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                s.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            assertThat(llama2c.encode(s.toString(), true)).as(s.toString()).containsExactly(gguf.encode(s.toString(), true));
        }
    }
}
