package dev.moesaic.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The streaming stop-string filter against the obvious version: cut the whole text at the earliest stop string. */
class StopStringFilterTest {
    /** The slow twin: after each piece, look for a stop string in everything so far. */
    private record Plain(String output, int stoppedAfterPiece) {
        static Plain of(List<String> pieces, List<String> stops) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < pieces.size(); i++) {
                all.append(pieces.get(i));
                int cut = -1;
                for (String s : stops) {
                    int at = all.indexOf(s);
                    if (at >= 0 && (cut < 0 || at < cut)) {
                        cut = at;
                    }
                }
                if (cut >= 0) {
                    return new Plain(all.substring(0, cut), i);
                }
            }
            return new Plain(all.toString(), -1);
        }
    }

    private static Plain streamed(List<String> pieces, List<String> stops, List<String> released) {
        StopStringFilter f = new StopStringFilter(stops);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pieces.size(); i++) {
            String r = f.push(pieces.get(i));
            released.add(r);
            out.append(r);
            if (f.matched()) {
                return new Plain(out.toString(), i);
            }
        }
        out.append(f.flush());
        return new Plain(out.toString(), -1);
    }

    @Test
    void stopStringSplitOverPiecesIsNeverOutput() {
        List<String> released = new ArrayList<>();
        Plain p = streamed(List.of("Hello ", "wor", "ld", "!", " more"), List.of("world!"), released);
        assertThat(p.output()).isEqualTo("Hello ");
        assertThat(p.stoppedAfterPiece()).isEqualTo(3);
        assertThat(released).containsExactly("Hello ", "", "", "");
    }

    @Test
    void heldBackTextIsReleasedWhenItStopsLookingLikeAStop() {
        List<String> released = new ArrayList<>();
        Plain p = streamed(List.of("ab", "c", "x"), List.of("abcd"), released);
        assertThat(p.output()).isEqualTo("abcx");
        assertThat(released).containsExactly("", "", "abcx");
    }

    @Test
    void earliestOfSeveralStopsWins() {
        Plain p = streamed(List.of("one two three"), List.of("three", "two"), new ArrayList<>());
        assertThat(p.output()).isEqualTo("one ");
    }

    @RepeatedTest(50)
    void randomStreamsGiveTheSameTextAndStopPointAsThePlainVersion(org.junit.jupiter.api.RepetitionInfo info) {
        SplittableRandom rnd = new SplittableRandom(info.getCurrentRepetition());
        String alphabet = "abc é😀";
        List<String> stops = new ArrayList<>();
        for (int i = 0, n = 1 + rnd.nextInt(3); i < n; i++) {
            stops.add(randomText(rnd, alphabet, 1 + rnd.nextInt(4)));
        }
        List<String> pieces = new ArrayList<>();
        for (int i = 0, n = rnd.nextInt(30); i < n; i++) {
            pieces.add(randomText(rnd, alphabet, rnd.nextInt(4)));
        }
        List<String> released = new ArrayList<>();
        Plain fast = streamed(pieces, stops, released);
        Plain plain = Plain.of(pieces, stops);
        assertThat(fast).as("pieces %s, stops %s", pieces, stops).isEqualTo(plain);
        // Released text is final: no prefix of the output ever contained a stop string.
        StringBuilder soFar = new StringBuilder();
        for (String r : released) {
            soFar.append(r);
            for (String s : stops) {
                assertThat(soFar.toString()).doesNotContain(s);
            }
        }
    }

    private static String randomText(SplittableRandom rnd, String alphabet, int codePoints) {
        int[] cps = alphabet.codePoints().toArray();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            b.appendCodePoint(cps[rnd.nextInt(cps.length)]);
        }
        return b.toString();
    }
}
