package dev.moesaic.engine.tokenizer;

import java.util.Arrays;

/**
 * Hugging Face's clean_up_tokenization_spaces as llama.cpp applies it after detokenizing (for
 * vocabularies whose pre-tokenizer asks for it): three passes over the bytes that remove a space
 * before {@code ? ! . ,}, the spaces around a lone apostrophe, and the space before {@code 's 'm
 * 're 've}. Only spaces are ever removed, and whether one is depends on what came before and on
 * at most the {@value #LOOKAHEAD} bytes after it.
 */
final class CleanSpaces {
    /**
     * How far past a space the passes look to decide it. Each rule looks 1 to 3 bytes ahead, but
     * when pass 2 deletes the spaces around an apostrophe, pass 3 sees past them: in "_ _'_re"
     * (underscores for spaces) the first space goes only once the "e" 5 bytes later is known.
     * Checked exhaustively on all strings of up to 8 of the relevant bytes.
     */
    static final int LOOKAHEAD = 5;

    private CleanSpaces() {
    }

    static byte[] apply(byte[] text) {
        boolean[] kept = kept(text);
        int count = 0;
        for (boolean k : kept) {
            count += k ? 1 : 0;
        }
        byte[] out = new byte[count];
        for (int i = 0, j = 0; i < text.length; i++) {
            if (kept[i]) {
                out[j++] = text[i];
            }
        }
        return out;
    }

    /** Which bytes of {@code text} survive the three passes. */
    static boolean[] kept(byte[] text) {
        int[] survivors = new int[text.length];
        for (int i = 0; i < survivors.length; i++) {
            survivors[i] = i;
        }
        int n = punctuation(text, survivors, text.length);
        n = loneApostrophes(text, survivors, n);
        n = contractions(text, survivors, n);
        boolean[] kept = new boolean[text.length];
        for (int i = 0; i < n; i++) {
            kept[survivors[i]] = true;
        }
        return kept;
    }

    // Each pass reads the surviving byte positions s[0..n), writes the ones it keeps back into s
    // and returns how many; the first byte always stays.

    /** " ?" " !" " ." " ," lose the space. */
    private static int punctuation(byte[] t, int[] s, int n) {
        int[] in = Arrays.copyOf(s, n);
        int total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            byte x = t[in[i]];
            if (t[in[i - 1]] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            s[total++] = in[i];
        }
        return total;
    }

    /** " ' " becomes "'". */
    private static int loneApostrophes(byte[] t, int[] s, int n) {
        int[] in = Arrays.copyOf(s, n);
        int blanked = -1;
        int total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            int at = in[i];
            boolean prevIsSpace = i - 1 != blanked && t[in[i - 1]] == ' ';
            if (t[at] == '\'' && i + 1 < n && prevIsSpace && t[in[i + 1]] == ' ') {
                total--; // drop the space before
                i++; // skip the space after,
                blanked = i; // which llama.cpp overwrites with '\0', so the next check does not see a space
            }
            s[total++] = at;
        }
        return total;
    }

    /** " 's" " 'm" " 're" " 've" lose the space; " 't" " 'd" " 'll" keep it. */
    private static int contractions(byte[] t, int[] s, int n) {
        int[] in = Arrays.copyOf(s, n);
        int total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            byte x = t[in[i]];
            if (t[in[i - 1]] == ' ' && x == '\'' && i + 1 < n) {
                byte x1 = t[in[i + 1]];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < n) {
                    byte x2 = t[in[i + 2]];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            s[total++] = in[i];
        }
        return total;
    }
}
