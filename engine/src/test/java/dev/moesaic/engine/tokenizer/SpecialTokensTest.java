package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.testing.Fixtures;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Special tokens written in text, end-of-generation tokens, and the special ids a vocabulary declares or implies. */
class SpecialTokensTest {
    @Test
    void userDefinedTokensAreCutOutEvenWithoutParsingSpecialTokens() {
        Tokenizer deepseek = VocabFiles.tokenizer("deepseek-coder");
        int umlaut = 32011; // "ö" is a user-defined token in this vocabulary
        assertThat(deepseek.piece(umlaut)).isEqualTo("ö");
        int[] ids = deepseek.encode("schön", false);
        assertThat(ids).contains(umlaut);
        assertThat(deepseek.decode(ids)).isEqualTo("schön");
        assertThat(deepseek.tokenBytes(umlaut)).isEqualTo("ö".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void controlTokensInTextAreTextUnlessParsingIsAsked() {
        Tokenizer gpt2 = VocabFiles.tokenizer("gpt-2");
        String text = "a<|endoftext|>b";
        assertThat(gpt2.encode(text, false)).doesNotContain(50256);
        assertThat(gpt2.encode(text, false, true)).containsExactly(64, 50256, 65);
        assertThat(gpt2.decode(gpt2.encode(text, false, true))).isEqualTo("ab"); // control tokens render as nothing
        assertThat(gpt2.decode(gpt2.encode(text, false, true), false, true)).isEqualTo(text);
        // a fill-in-the-middle marker stored as user-defined is recognised as control by its text, as in llama.cpp
        Tokenizer deepseek = VocabFiles.tokenizer("deepseek-coder");
        String fim = "<\uFF5Cfim\u2581begin\uFF5C>x";
        assertThat(deepseek.encode(fim, false)).doesNotContain(32016);
        assertThat(deepseek.encode(fim, false, true)).startsWith(32016);
    }

    @Test
    void sentencePieceAddsTheSpacePrefixAfterEachSpecialToken() {
        Tokenizer spm = VocabFiles.tokenizer("llama-spm");
        int[] parsed = spm.encode("<s>Hello</s>Hello", true, true);
        int[] hello = spm.encode("Hello", false);
        int[] expected = new int[1 + 1 + hello.length + 1 + hello.length];
        expected[0] = 1;
        expected[1] = 1;
        System.arraycopy(hello, 0, expected, 2, hello.length);
        expected[2 + hello.length] = 2;
        System.arraycopy(hello, 0, expected, 3 + hello.length, hello.length);
        assertThat(parsed).containsExactly(expected);
        assertThat(spm.encode("", true)).containsExactly(1);
        assertThat(spm.encode("", false)).isEmpty();
    }

    @Test
    void endOfGenerationAndDeclaredIds() {
        Tokenizer gpt2 = VocabFiles.tokenizer("gpt-2");
        assertThat(gpt2.bos()).isEqualTo(50256);
        assertThat(gpt2.eos()).isEqualTo(50256);
        assertThat(gpt2.isEndOfGeneration(50256)).isTrue();
        assertThat(gpt2.isEndOfGeneration(0)).isFalse();
        assertThat(gpt2.addBos()).isFalse();

        Tokenizer deepseek = VocabFiles.tokenizer("deepseek-coder");
        assertThat(deepseek.bos()).isEqualTo(32013);
        assertThat(deepseek.eos()).isEqualTo(32014);
        assertThat(deepseek.addBos()).isTrue();
        assertThat(deepseek.isEndOfGeneration(32014)).isTrue();
        assertThat(deepseek.encode("x", true)).startsWith(32013);

        Tokenizer tok512 = Tokenizers.fromLlama2c(Fixtures.model("stories260K/tok512.bin"), 512);
        assertThat(tok512.isEndOfGeneration(2)).isTrue();
        assertThat(Arrays.stream(new int[] {0, 1, 3, 403}).anyMatch(tok512::isEndOfGeneration)).isFalse();
    }

    @Test
    void tokenBytesFollowTheTokenKind() {
        Tokenizer gpt2 = VocabFiles.tokenizer("gpt-2");
        assertThat(gpt2.piece(220)).isEqualTo("\u0120"); // GPT-2 spells the space byte as 'Ġ'
        assertThat(gpt2.tokenBytes(220)).containsExactly(' ');
        assertThat(gpt2.tokenBytes(50256)).isEqualTo("<|endoftext|>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Tokenizer spm = VocabFiles.tokenizer("llama-spm");
        assertThat(spm.piece(2)).isEqualTo("</s>");
        assertThat(spm.tokenBytes(0)).isEqualTo("<unk>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(spm.tokenBytes(3 + 0x0A)).containsExactly(0x0A);
    }
}
