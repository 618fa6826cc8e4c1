package dev.moesaic.engine.tokenizer;

import java.util.Random;

/** Random strings over characters that stress tokenizers: every Unicode class the pre-tokenizers tell apart. */
final class RandomText {
    private static final String[] UNITS = {
        "a", "e", "t", "h", "s", "r", "o", "n", "T", "H", "Z", "x", "the", "and", "ing", "Hello", "world",
        " ", " ", " ", " ", "  ", "\n", "\r\n", "\t", "'", "'s", "'re", "'VE", "'ll", "'d", "'M",
        "0", "1", "7", "42", "1234", ".", ",", "!", "?", ";", ":", "-", "(", ")", "[", "]", "{", "}", "\"", "/",
        "\\", "$", "+", "<", "=", ">", "^", "`", "|", "~", "_", "@", "#", "%", "&", "*",
        "é", "ü", "ß", "ñ", "Ä", "нещо", "αβγ", "日本語", "中文", "한국어", "カタカナ", "😀", "🦙", "👍🏽",
        "\u0301", "\u00A0", "\u3000", "\u2009", "\u0085", "\u200B", "\u0378", "\uE000", "！", "Ａ", "١٢٣", "½", "²",
        "\u2581", "<s>", "</s>", "<|endoftext|>", "ö", "õ",
    };

    private RandomText() {
    }

    static String next(Random random, int maxUnits) {
        StringBuilder s = new StringBuilder();
        int units = random.nextInt(maxUnits + 1);
        for (int i = 0; i < units; i++) {
            s.append(UNITS[random.nextInt(UNITS.length)]);
        }
        return s.toString();
    }
}
