package dev.moesaic.engine.tokenizer;

/**
 * Code point classes as llama.cpp's pre-tokenizers see them: one general-category flag per code
 * point (letter, number, mark, punctuation, symbol, separator, control, or undefined for
 * unassigned ones), plus a whitespace flag for the Unicode White_Space set. Categories come from
 * the JDK's Unicode tables; llama.cpp generates its own from UnicodeData.txt, so the two agree
 * except for code points assigned in one Unicode version and not the other.
 */
final class UnicodeClass {
    static final int UNDEFINED = 0x001;
    static final int NUMBER = 0x002;
    static final int LETTER = 0x004;
    static final int SEPARATOR = 0x008;
    static final int MARK = 0x010;
    static final int PUNCTUATION = 0x020;
    static final int SYMBOL = 0x040;
    static final int CONTROL = 0x080;
    static final int WHITESPACE = 0x100;

    /** Collapsed stand-ins: the pre-tokenizer regexes see every non-ASCII code point as one of these. */
    static final char COLLAPSED_OTHER = 0xD0;
    static final char COLLAPSED_NUMBER = 0xD1;
    static final char COLLAPSED_LETTER = 0xD2;
    static final char COLLAPSED_PUNCTUATION = 0xD3;
    static final char COLLAPSED_MARK = 0xD4;
    static final char COLLAPSED_SYMBOL = 0xD5;
    static final char COLLAPSED_WHITESPACE = 0x0B; // vertical tab: C++ and Java regex \s both match it

    private static final short[] BMP = new short[0x10000];

    static {
        for (int cp = 0; cp < BMP.length; cp++) {
            BMP[cp] = (short) compute(cp);
        }
    }

    private UnicodeClass() {
    }

    /** The flags of a code point; never 0 (0 is reserved for "outside the text"). */
    static int flags(int cp) {
        if (cp >= 0 && cp < 0x10000) {
            return BMP[cp];
        }
        if (cp < 0 || cp > Character.MAX_CODE_POINT) {
            return UNDEFINED;
        }
        return compute(cp);
    }

    /** Unicode White_Space, the set llama.cpp's tables mark as whitespace. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** The single character a code point becomes in the collapsed text the category regexes run on. */
    static char collapsed(int cp) {
        if (cp < 0x80) {
            return (char) cp;
        }
        int f = flags(cp);
        if ((f & WHITESPACE) != 0) {
            return COLLAPSED_WHITESPACE;
        }
        if ((f & NUMBER) != 0) {
            return COLLAPSED_NUMBER;
        }
        if ((f & LETTER) != 0) {
            return COLLAPSED_LETTER;
        }
        if ((f & PUNCTUATION) != 0) {
            return COLLAPSED_PUNCTUATION;
        }
        if ((f & MARK) != 0) {
            return COLLAPSED_MARK;
        }
        if ((f & SYMBOL) != 0) {
            return COLLAPSED_SYMBOL;
        }
        return COLLAPSED_OTHER;
    }

    private static int compute(int cp) {
        int category = switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> MARK;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            default -> UNDEFINED;
        };
        return isWhitespace(cp) ? category | WHITESPACE : category;
    }
}
