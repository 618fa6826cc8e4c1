package dev.moesaic.engine.tokenizer;

import static dev.moesaic.engine.tokenizer.Gpt2Split.flagsAt;
import static dev.moesaic.engine.tokenizer.UnicodeClass.LETTER;
import static dev.moesaic.engine.tokenizer.UnicodeClass.NUMBER;
import static dev.moesaic.engine.tokenizer.UnicodeClass.WHITESPACE;

/**
 * Llama 3's pre-tokenizer regex, hand-written over Unicode classes the way llama.cpp does it:
 * <pre>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</pre>
 * {@link RegexSplit#unicodeLlama3()} is the same pattern as a plain regex; a test compares the two.
 */
final class Llama3Split implements SplitRule {
    @Override
    public IntList split(CodepointText text, IntList pieces) {
        int[] cps = text.codepoints;
        int[] flags = text.flags();
        IntList out = new IntList(pieces.size() * 4);
        int start = 0;
        for (int p = 0; p < pieces.size(); p++) {
            int end = start + pieces.get(p);
            Gpt2Split.Cutter cut = new Gpt2Split.Cutter(out, start);
            int pos = start;
            while (pos < end) {
                int cp = cps[pos];
                int f = flags[pos];
                if (cp == '\'' && pos + 1 < end) {
                    int next = Character.toLowerCase(cps[pos + 1]);
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos = cut.at(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int next2 = Character.toLowerCase(cps[pos + 2]);
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                            pos = cut.at(pos + 3);
                            continue;
                        }
                    }
                }
                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (!(cp == '\r' || cp == '\n' || (f & NUMBER) != 0)) {
                    if ((f & LETTER) != 0 || (flagsAt(flags, pos + 1, end) & LETTER) != 0) {
                        pos++;
                        while ((flagsAt(flags, pos, end) & LETTER) != 0) {
                            pos++;
                        }
                        cut.at(pos);
                        continue;
                    }
                }
                // \p{N}{1,3}
                if ((f & NUMBER) != 0) {
                    int groupStart = pos;
                    while ((flagsAt(flags, pos, end) & NUMBER) != 0) {
                        pos++;
                        if (pos - groupStart >= 3) {
                            cut.at(pos);
                            groupStart = pos;
                        }
                    }
                    cut.at(pos);
                    continue;
                }
                // <space>?[^\s\p{L}\p{N}]+[\r\n]*
                int f2 = cp == ' ' ? flagsAt(flags, pos + 1, end) : f;
                if ((f2 & (WHITESPACE | LETTER | NUMBER)) == 0 && f != 0) {
                    pos += cp == ' ' ? 1 : 0;
                    while (Gpt2Split.isOther(flagsAt(flags, pos, end))) {
                        pos++;
                    }
                    while (pos < end && (cps[pos] == '\r' || cps[pos] == '\n')) {
                        pos++;
                    }
                    cut.at(pos);
                    continue;
                }
                int spaces = 0;
                int afterLastNewline = 0;
                while ((flagsAt(flags, pos + spaces, end) & WHITESPACE) != 0) {
                    int c = cps[pos + spaces];
                    if (c == '\r' || c == '\n') {
                        afterLastNewline = pos + spaces + 1;
                    }
                    spaces++;
                }
                if (afterLastNewline > 0) { // \s*[\r\n]+
                    pos = cut.at(afterLastNewline);
                    continue;
                }
                if (spaces > 1 && pos + spaces < end) { // \s+(?!\S)
                    pos = cut.at(pos + spaces - 1);
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
}
