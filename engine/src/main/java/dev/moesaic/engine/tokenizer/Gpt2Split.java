package dev.moesaic.engine.tokenizer;

import static dev.moesaic.engine.tokenizer.UnicodeClass.LETTER;
import static dev.moesaic.engine.tokenizer.UnicodeClass.NUMBER;
import static dev.moesaic.engine.tokenizer.UnicodeClass.WHITESPACE;

/**
 * GPT-2's pre-tokenizer regex, hand-written over Unicode classes the way llama.cpp does it (Java's
 * regex {@code \s} knows only ASCII whitespace):
 * <pre>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</pre>
 * {@link RegexSplit#unicodeGpt2()} is the same pattern as a plain regex; a test compares the two.
 */
final class Gpt2Split implements SplitRule {
    @Override
    public IntList split(CodepointText text, IntList pieces) {
        int[] cps = text.codepoints;
        int[] flags = text.flags();
        IntList out = new IntList(pieces.size() * 4);
        int start = 0;
        for (int p = 0; p < pieces.size(); p++) {
            int end = start + pieces.get(p);
            Cutter cut = new Cutter(out, start);
            int pos = start;
            while (pos < end) {
                int cp = cps[pos];
                int f = flags[pos];
                if (cp == '\'' && pos + 1 < end) {
                    int next = cps[pos + 1];
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos = cut.at(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int next2 = cps[pos + 2];
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                            pos = cut.at(pos + 3);
                            continue;
                        }
                    }
                }
                int f2 = cp == ' ' ? flagsAt(flags, pos + 1, end) : f;
                if ((f2 & LETTER) != 0) {
                    pos += cp == ' ' ? 1 : 0;
                    while ((flagsAt(flags, pos, end) & LETTER) != 0) {
                        pos++;
                    }
                    cut.at(pos);
                    continue;
                }
                if ((f2 & NUMBER) != 0) {
                    pos += cp == ' ' ? 1 : 0;
                    while ((flagsAt(flags, pos, end) & NUMBER) != 0) {
                        pos++;
                    }
                    cut.at(pos);
                    continue;
                }
                if (isOther(f2)) {
                    pos += cp == ' ' ? 1 : 0;
                    while (isOther(flagsAt(flags, pos, end))) {
                        pos++;
                    }
                    cut.at(pos);
                    continue;
                }
                int spaces = 0;
                while ((flagsAt(flags, pos + spaces, end) & WHITESPACE) != 0) {
                    spaces++;
                }
                if (spaces > 1 && pos + spaces < end) {
                    pos = cut.at(pos + spaces - 1); // \s+(?!\S): leave the last space to the next word
                    continue;
                }
                if (spaces > 0) {
                    pos = cut.at(pos + spaces);
                    continue;
                }
                pos = cut.at(pos + 1);
            }
            start = end;
        }
        return out;
    }

    /** [^\s\p{L}\p{N}]: anything in the text that is not whitespace, letter or number. */
    static boolean isOther(int flags) {
        return flags != 0 && (flags & (WHITESPACE | LETTER | NUMBER)) == 0;
    }

    /** Flags inside the current piece, 0 outside it (like llama.cpp's out-of-range sentinel). */
    static int flagsAt(int[] flags, int pos, int end) {
        return pos < end ? flags[pos] : 0;
    }

    /** Emits pieces ending at successive positions. */
    static final class Cutter {
        private final IntList out;
        private int last;

        Cutter(IntList out, int start) {
            this.out = out;
            this.last = start;
        }

        int at(int end) {
            if (end > last) {
                out.add(end - last);
            }
            last = end;
            return end;
        }
    }
}
