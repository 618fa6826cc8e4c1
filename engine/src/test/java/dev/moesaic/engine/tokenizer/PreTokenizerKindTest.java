package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each pre-tokenizer cuts text where llama.cpp's regexes for it cut (expected pieces worked out from the regexes). */
class PreTokenizerKindTest {
    private static List<String> split(PreTokenizerKind kind, String text) {
        CodepointText t = new CodepointText(text.codePoints().toArray());
        IntList lengths = new PreTokenizer(kind.rules()).split(t);
        List<String> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < lengths.size(); i++) {
            pieces.add(new String(t.codepoints, start, lengths.get(i)));
            start += lengths.get(i);
        }
        return pieces;
    }

    @Test
    void gpt2KeepsContractionsAndALeadingSpaceWithEachWord() {
        assertThat(split(PreTokenizerKind.GPT2, "I'll say  it's 2024!\n")).containsExactly(
                "I", "'ll", " say", " ", " it", "'s", " 2024", "!", "\n");
    }

    @Test
    void defaultCutsPunctuationRunsThenDigitRunsIntoThrees() {
        assertThat(split(PreTokenizerKind.DEFAULT, "Hello, world! 12345")).containsExactly(
                "Hello", ",", " world", "!", " ", "123", "45");
    }

    @Test
    void llama3GroupsDigitsByThreeAndAttachesOneNonLetterToAWord() {
        assertThat(split(PreTokenizerKind.LLAMA3, "Hello, World's 12345\n\n  (x)")).containsExactly(
                "Hello", ",", " World", "'s", " ", "123", "45", "\n\n", " ", " (", "x", ")");
    }

    @Test
    void qwen2SplitsEveryDigit() {
        assertThat(split(PreTokenizerKind.QWEN2, "Hello world 123")).containsExactly("Hello", " world", " ", "1", "2", "3");
    }

    @Test
    void gpt4oSplitsCamelCaseAndKeepsTheContractionWithTheWord() {
        assertThat(split(PreTokenizerKind.GPT4O, "HelloWorld's 12345")).containsExactly("Hello", "World's", " ", "123", "45");
    }

    @Test
    void deepseekCoderSplitsNewlinesLettersPunctuationAndSingleDigits() {
        assertThat(split(PreTokenizerKind.DEEPSEEK_CODER, "def foo(x):\n  return 42")).containsExactly(
                "def", " foo", "(", "x", "):", "\n", " ", " return", " ", "4", "2");
    }

    @Test
    void deepseekLlmSeparatesCjkRunsAndDigitRuns() {
        assertThat(split(PreTokenizerKind.DEEPSEEK_LLM, "Hello 世界 123!")).containsExactly(
                "Hello", " ", "世界", " ", "123", "!");
    }

    @Test
    void collapsedRegexesSeeNonAsciiByCategoryLikeLlamaCpp() {
        // ü is a letter (collapsed to the letter stand-in), so \p{L}+ takes it; the ideographic space is whitespace
        assertThat(split(PreTokenizerKind.QWEN2, "Grüße\u3000über")).containsExactly("Grüße", "\u3000über");
        assertThat(RegexSplit.collapse("[^\\s\\p{L}\\p{N}]+")).isEqualTo("[^\\s\u00D2A-Za-z\u00D10-9]+");
        assertThat(RegexSplit.toJava("\\s+$")).isEqualTo("\\s+\\z");
    }

    @Test
    void namesResolveToKinds() {
        assertThat(PreTokenizerKind.byName("llama-bpe")).isEqualTo(PreTokenizerKind.LLAMA3);
        assertThat(PreTokenizerKind.byName("deepseek-r1-qwen")).isEqualTo(PreTokenizerKind.QWEN2);
        assertThat(PreTokenizerKind.byName("gpt-2")).isEqualTo(PreTokenizerKind.GPT2);
        assertThat(PreTokenizerKind.byName("nope")).isNull();
        assertThat(PreTokenizerKind.LLAMA3.ignoreMerges).isTrue();
        assertThat(PreTokenizerKind.LLAMA3.addBos).isTrue();
        assertThat(PreTokenizerKind.GPT2.cleanSpaces).isTrue();
        assertThat(PreTokenizerKind.QWEN2.cleanSpaces).isFalse();
    }
}
