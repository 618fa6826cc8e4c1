package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.model.ModelFormatException;
import dev.moesaic.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokenizer files fail with a typed error that names the file and says what is wrong. */
class TokenizerErrorsTest {
    @TempDir
    Path dir;

    private static TestGguf spm() {
        return new TestGguf().putAll(BuiltinVocabulary.ggufMetadata());
    }

    private static TestGguf bpe() {
        return new TestGguf()
                .put("tokenizer.ggml.model", "gpt2")
                .put("tokenizer.ggml.pre", "gpt-2")
                .put("tokenizer.ggml.tokens", new String[] {"a", "b", "ab", "Ġ", "<|endoftext|>"})
                .put("tokenizer.ggml.token_type", new int[] {1, 1, 1, 1, 3})
                .put("tokenizer.ggml.merges", new String[] {"a b"})
                .put("tokenizer.ggml.bos_token_id", 4)
                .put("tokenizer.ggml.eos_token_id", 4);
    }

    private Tokenizer load(TestGguf gguf, String name) {
        try (GgufFile file = GgufFile.open(gguf.write(dir, name))) {
            return Tokenizers.fromGguf(file);
        }
    }

    private void assertRejected(TestGguf gguf, String name, String... problem) {
        assertThatThrownBy(() -> load(gguf, name))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(name)
                .hasMessageContainingAll(problem);
    }

    @Test
    void wellFormedSyntheticFilesLoad() {
        assertThat(load(spm(), "ok-spm.gguf").encode("the", true)).containsExactly(1, 262);
        Tokenizer bpe = load(bpe(), "ok-bpe.gguf");
        assertThat(bpe.encode("ab", false)).containsExactly(2);
        assertThat(bpe.encode("ba", false)).containsExactly(1, 0);
        assertThat(bpe.isEndOfGeneration(4)).isTrue();
        assertThat(bpe.addBos()).isFalse();
    }

    @Test
    void unsupportedTokenizerKindsAreNamed() {
        assertRejected(spm().put("tokenizer.ggml.model", "bert"), "bert.gguf", "'bert'", "WordPiece", "supported", "'llama'", "'gpt2'");
        assertRejected(spm().put("tokenizer.ggml.model", "t5"), "t5.gguf", "'t5'", "Unigram");
        assertRejected(spm().remove("tokenizer.ggml.model"), "no-model.gguf", "tokenizer.ggml.model");
    }

    @Test
    void unknownPreTokenizersListTheSupportedOnes() {
        assertRejected(bpe().put("tokenizer.ggml.pre", "made-up"), "pre.gguf", "'made-up'", "default", "gpt-2", "llama3",
                "llama-bpe", "deepseek-llm", "deepseek-coder", "qwen2", "gpt-4o");
    }

    @Test
    void missingOrInconsistentVocabularyDataIsReported() {
        assertRejected(bpe().remove("tokenizer.ggml.merges"), "no-merges.gguf", "tokenizer.ggml.merges");
        assertRejected(spm().remove("tokenizer.ggml.tokens"), "no-tokens.gguf", "tokenizer.ggml.tokens");
        assertRejected(spm().put("tokenizer.ggml.scores", new float[10]), "scores.gguf", "10 token scores for 512 tokens");
        assertRejected(spm().put("tokenizer.ggml.token_type", new int[3]), "types.gguf", "3 token types for 512 tokens");
        assertRejected(spm().put("tokenizer.ggml.token_type", new float[512]), "type-kind.gguf", "token_type", "FLOAT32");
        assertRejected(spm().put("tokenizer.ggml.tokens", new String[] {"a", "b", "a"}).remove("tokenizer.ggml.scores")
                .remove("tokenizer.ggml.token_type"), "dup.gguf", "duplicate token", "'a'", "0 and 2");
        assertRejected(bpe().remove("tokenizer.ggml.bos_token_id").put("tokenizer.ggml.add_bos_token", true), "bos.gguf",
                "add_bos_token", "BOS");
        assertRejected(spm().put("tokenizer.ggml.tokens", new String[0]).remove("tokenizer.ggml.scores")
                .remove("tokenizer.ggml.token_type"), "empty.gguf", "no tokens");
    }

    @Test
    void aTruncatedVocabularyFileIsReportedWithItsName() throws IOException {
        byte[] whole = spm().bytes();
        Path cut = Files.write(dir.resolve("truncated.gguf"), Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> GgufFile.open(cut).close())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("truncated.gguf");
    }

    @Test
    void badLlama2cTokenizerFilesAreReportedWithTheirName() throws IOException {
        byte[] tok512 = Files.readAllBytes(Fixtures.model("stories260K/tok512.bin"));
        Path truncated = Files.write(dir.resolve("tok-truncated.bin"), Arrays.copyOf(tok512, tok512.length - 100));
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(truncated, 512))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContainingAll("tok-truncated.bin", "truncated", "of 512");
        Path whole = Files.write(dir.resolve("tok512.bin"), tok512);
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(whole, 600))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContainingAll("tok512.bin", "vocabulary size (600)");
        Path notATokenizer = Files.write(dir.resolve("model.gguf"), spm().bytes());
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(notATokenizer, 512))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContainingAll("model.gguf", "not a llama2.c tokenizer");
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(dir.resolve("missing.bin"), 512))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining("missing.bin");
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        Tokenizer tokenizer = Tokenizers.builtin();
        assertThatThrownBy(() -> tokenizer.decode(new int[] {5, 512}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id 512").hasMessageContaining("512 tokens");
        assertThatThrownBy(() -> tokenizer.tokenBytes(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.newStreamingDecoder().accept(9999)).isInstanceOf(IllegalArgumentException.class);
    }
}
