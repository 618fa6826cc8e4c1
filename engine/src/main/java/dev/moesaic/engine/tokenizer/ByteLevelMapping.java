package dev.moesaic.engine.tokenizer;

/**
 * GPT-2's reversible byte to character mapping: byte-level BPE vocabularies spell every byte as
 * one printable character, so a token string never contains raw control bytes or spaces. The
 * printable bytes {@code !..~}, {@code ¡..¬} and {@code ®..ÿ} map to themselves; the other 68
 * bytes map, in byte order, to U+0100 upwards (space becomes 'Ġ', newline 'Ċ').
 */
final class ByteLevelMapping {
    private static final int[] BYTE_TO_CHAR = new int[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            int c = printable ? b : next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelMapping() {
    }

    /** The character that spells byte {@code b} (0..255). */
    static char charOf(int b) {
        return (char) BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character spells, or -1 if it is not part of the mapping. */
    static int byteOf(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }
}
