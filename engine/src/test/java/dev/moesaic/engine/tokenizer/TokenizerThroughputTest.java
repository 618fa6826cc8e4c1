package dev.moesaic.engine.tokenizer;

import dev.moesaic.engine.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures encode and decode speed on about 1 MB of text; prints, asserts nothing about time.
 * Not part of the default run:
 * {@code mvn -B -o -pl engine -am test -Dtest=TokenizerThroughputTest -Dsurefire.failIfNoSpecifiedTests=false -Dmoesaic.bench=true}
 */
class TokenizerThroughputTest {
    @Test
    @EnabledIfSystemProperty(named = "moesaic.bench", matches = "true")
    void measure() {
        run();
    }

    static void run() {
        String text = englishMegabyte();
        System.out.printf("text: %d chars, %d UTF-8 bytes%n", text.length(), text.getBytes(StandardCharsets.UTF_8).length);
        report("builtin (SentencePiece, 512)", Tokenizers.builtin(), text);
        report("tok512 (SentencePiece, 512)", Tokenizers.fromLlama2c(Fixtures.model("stories260K/tok512.bin"), 512), text);
        report("llama-spm (SentencePiece, 32000)", VocabFiles.tokenizer("llama-spm"), text);
        report("gpt-2 (BPE, 50257)", VocabFiles.tokenizer("gpt-2"), text);
        report("deepseek-coder (BPE, 32256)", VocabFiles.tokenizer("deepseek-coder"), text);
    }

    private static void report(String name, Tokenizer tokenizer, String text) {
        int[] ids = null;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 4; round++) {
            long t0 = System.nanoTime();
            ids = tokenizer.encode(text, false);
            best = Math.min(best, System.nanoTime() - t0);
        }
        long bestDecode = Long.MAX_VALUE;
        for (int round = 0; round < 4; round++) {
            long t0 = System.nanoTime();
            tokenizer.decode(ids);
            bestDecode = Math.min(bestDecode, System.nanoTime() - t0);
        }
        System.out.printf("%-34s encode %6.0f ms (%d tokens), decode %5.0f ms%n", name, best / 1e6, ids.length, bestDecode / 1e6);
    }

    /** About 1 MB of varied English-like text, generated deterministically. */
    static String englishMegabyte() {
        String[] words = ("the of and to a in that is was he for it with as his on be at by had this not but from or have "
                + "an they which one you were her all she there would their we him been has when who will more no if out so "
                + "said what up its about into than them can only other new some could time these two may then do first any my "
                + "now such like our over man me even most made after also did many before must through back years where much "
                + "your way well down should because each just those people Mr how too little state good very make world still "
                + "own see men work long get here between both life being under never day same another know while last might "
                + "us great old year off come since against go came right used take three weather river evening station 2024 "
                + "naïve café don't it's we're I'll").split(" ");
        Random random = new Random(1);
        StringBuilder sb = new StringBuilder(1 << 20);
        while (sb.length() < 1_000_000) {
            int sentence = 5 + random.nextInt(15);
            for (int i = 0; i < sentence; i++) {
                String w = words[random.nextInt(words.length)];
                sb.append(i == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
                sb.append(i + 1 < sentence ? (random.nextInt(12) == 0 ? ", " : " ") : ". ");
            }
            if (random.nextInt(8) == 0) {
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
