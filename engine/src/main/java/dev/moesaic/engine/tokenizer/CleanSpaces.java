package dev.moesaic.engine.tokenizer;

import java.util.Arrays;

/**
 * Hugging Face's clean_up_tokenization_spaces as llama.cpp applies it after detokenizing (for
 * vocabularies whose pre-tokenizer asks for it): three passes over the bytes that remove a space
 * before {@code ? ! . ,}, the spaces around a lone apostrophe, and the space before {@code 's 'm
 * 're 've}. Only ever removes spaces.
 */
final class CleanSpaces {
    private CleanSpaces() {
    }

    static byte[] apply(byte[] text) {
        return contractions(loneApostrophes(punctuation(text)));
    }

    /** " ?" " !" " ." " ," lose the space. */
    private static byte[] punctuation(byte[] in) {
        byte[] out = new byte[in.length];
        int total = in.length > 0 ? 1 : 0;
        if (total > 0) {
            out[0] = in[0];
        }
        for (int i = 1; i < in.length; i++) {
            byte x = in[i];
            if (in[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            out[total++] = x;
        }
        return Arrays.copyOf(out, total);
    }

    /** " ' " becomes "'". */
    private static byte[] loneApostrophes(byte[] text) {
        byte[] in = text.clone(); // llama.cpp blanks the skipped space in place; the next check sees that
        byte[] out = new byte[in.length];
        int total = in.length > 0 ? 1 : 0;
        if (total > 0) {
            out[0] = in[0];
        }
        for (int i = 1; i < in.length; i++) {
            byte x = in[i];
            if (x == '\'' && i + 1 < in.length && in[i - 1] == ' ' && in[i + 1] == ' ') {
                total--;
                in[++i] = 0;
            }
            out[total++] = x;
        }
        return Arrays.copyOf(out, total);
    }

    /** " 's" " 'm" " 're" " 've" lose the space; " 't" " 'd" " 'll" keep it. */
    private static byte[] contractions(byte[] in) {
        byte[] out = new byte[in.length];
        int total = in.length > 0 ? 1 : 0;
        if (total > 0) {
            out[0] = in[0];
        }
        for (int i = 1; i < in.length; i++) {
            byte x = in[i];
            if (in[i - 1] == ' ' && x == '\'' && i + 1 < in.length) {
                byte x1 = in[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < in.length) {
                    byte x2 = in[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            out[total++] = x;
        }
        return Arrays.copyOf(out, total);
    }
}
