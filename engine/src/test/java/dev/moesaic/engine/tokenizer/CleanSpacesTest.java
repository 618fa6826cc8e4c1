package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CleanSpacesTest {
    private static String clean(String s) {
        return new String(CleanSpaces.apply(s.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void removesSpacesBeforePunctuationAroundLoneApostrophesAndBeforeSomeContractions() {
        assertThat(clean("Hello , world ! Yes ? No .")).isEqualTo("Hello, world! Yes? No.");
        assertThat(clean("rock ' n ' roll")).isEqualTo("rock'n'roll");
        assertThat(clean("it 's I 'm we 're you 've")).isEqualTo("it's I'm we're you've");
        assertThat(clean("don 't I 'd we 'll")).isEqualTo("don 't I 'd we 'll");
        assertThat(clean("")).isEmpty();
        assertThat(clean(" ,")).isEqualTo(",");
    }

    @Test
    void matchesLlamaCppsInPlacePassesOnRandomBytes() {
        Random random = new Random(9);
        byte[] alphabet = " ',.?!smrevtdlx".getBytes(StandardCharsets.US_ASCII);
        for (int trial = 0; trial < 20000; trial++) {
            byte[] text = new byte[random.nextInt(14)];
            for (int i = 0; i < text.length; i++) {
                text[i] = alphabet[random.nextInt(alphabet.length)];
            }
            assertThat(CleanSpaces.apply(text)).as("'%s'", new String(text, StandardCharsets.US_ASCII))
                    .isEqualTo(inPlaceReference(text));
        }
    }

    /** The three passes written the way llama.cpp's detokenize runs them: in place, with the '\0' it leaves behind. */
    private static byte[] inPlaceReference(byte[] input) {
        byte[] text = input.clone();
        int total = text.length;
        int total1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            text[total++] = x;
        }
        int total2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++) {
            byte x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }
        int total3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                byte x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            text[total++] = x;
        }
        return Arrays.copyOf(text, total);
    }
}
