package dev.moesaic.engine.tokenizer;

/** A text as code points and as UTF-8, with the byte offset of every code point, for cutting words out of it. */
final class ByteLevelText {
    final CodepointText codepoints;
    final byte[] utf8;
    /** byte offset of code point i in {@link #utf8}; one extra entry for the end. */
    final int[] byteOffset;

    ByteLevelText(String text) {
        int[] cps = text.codePoints().toArray();
        this.codepoints = new CodepointText(cps);
        this.byteOffset = new int[cps.length + 1];
        int bytes = 0;
        for (int i = 0; i < cps.length; i++) {
            byteOffset[i] = bytes;
            bytes += utf8Length(cps[i]);
        }
        byteOffset[cps.length] = bytes;
        this.utf8 = new byte[bytes];
        for (int i = 0; i < cps.length; i++) {
            writeUtf8(cps[i], utf8, byteOffset[i]);
        }
    }

    static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    private static void writeUtf8(int cp, byte[] out, int at) {
        if (cp < 0x80) {
            out[at] = (byte) cp;
        } else if (cp < 0x800) {
            out[at] = (byte) (0xC0 | (cp >> 6));
            out[at + 1] = (byte) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[at] = (byte) (0xE0 | (cp >> 12));
            out[at + 1] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            out[at + 2] = (byte) (0x80 | (cp & 0x3F));
        } else {
            out[at] = (byte) (0xF0 | (cp >> 18));
            out[at + 1] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            out[at + 2] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            out[at + 3] = (byte) (0x80 | (cp & 0x3F));
        }
    }

    /** Bytes {@code from..to} spelled in GPT-2 byte characters, the way byte-level vocabularies store tokens. */
    String byteLevelSpelling(int from, int to) {
        char[] chars = new char[to - from];
        for (int i = from; i < to; i++) {
            chars[i - from] = ByteLevelMapping.charOf(utf8[i]);
        }
        return new String(chars);
    }
}
