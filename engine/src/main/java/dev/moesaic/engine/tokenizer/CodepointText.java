package dev.moesaic.engine.tokenizer;

/**
 * A text being pre-tokenized, held as code points, with the two views llama.cpp runs regexes on,
 * built only when a rule needs them: the <em>collapsed</em> view (one char per code point, every
 * non-ASCII code point replaced by a stand-in for its category) for regexes that use {@code \p{..}}
 * classes, and the <em>wide</em> view (the code points themselves, non-ASCII whitespace replaced
 * by a vertical tab so {@code \s} sees it) for regexes that spell characters literally.
 */
final class CodepointText {
    final int[] codepoints;
    private int[] flags;
    private String collapsed;
    private String wide;
    private int[] wideIndexOf; // code point index -> char index in the wide view (length n + 1)
    private int[] codepointAt; // char index in the wide view -> code point index (length chars + 1)

    CodepointText(int[] codepoints) {
        this.codepoints = codepoints;
    }

    int length() {
        return codepoints.length;
    }

    /** UnicodeClass flags per code point. */
    int[] flags() {
        if (flags == null) {
            int[] f = new int[codepoints.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = UnicodeClass.flags(codepoints[i]);
            }
            flags = f;
        }
        return flags;
    }

    String collapsed() {
        if (collapsed == null) {
            char[] chars = new char[codepoints.length];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = UnicodeClass.collapsed(codepoints[i]);
            }
            collapsed = new String(chars);
        }
        return collapsed;
    }

    String wide() {
        if (wide == null) {
            StringBuilder sb = new StringBuilder(codepoints.length);
            int[] index = new int[codepoints.length + 1];
            for (int i = 0; i < codepoints.length; i++) {
                index[i] = sb.length();
                int cp = codepoints[i];
                sb.appendCodePoint(cp > 0x7F && UnicodeClass.isWhitespace(cp) ? UnicodeClass.COLLAPSED_WHITESPACE : cp);
            }
            index[codepoints.length] = sb.length();
            int[] back = new int[sb.length() + 1];
            for (int i = 0; i <= codepoints.length; i++) {
                back[index[i]] = i;
            }
            wide = sb.toString();
            wideIndexOf = index;
            codepointAt = back;
        }
        return wide;
    }

    int wideIndexOf(int codepointIndex) {
        wide();
        return wideIndexOf[codepointIndex];
    }

    int codepointIndexOfWide(int charIndex) {
        wide();
        return codepointAt[charIndex];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int cp : codepoints) {
            sb.appendCodePoint(cp);
        }
        return "'" + sb + "'";
    }
}
