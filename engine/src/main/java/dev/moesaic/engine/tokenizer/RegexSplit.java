package dev.moesaic.engine.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One pre-tokenizer regex, applied the way llama.cpp applies the ones it has no hand-written
 * splitter for: every match becomes a piece and so does every stretch between matches (nothing
 * is dropped), and the regex never looks across the current cuts.
 *
 * <p>llama.cpp runs these with C++ {@code std::regex}, which has no {@code \p{..}} classes. A
 * regex that uses one runs on the collapsed view of the text (see {@link CodepointText}) with each
 * {@code \p{X}} rewritten to "the stand-in of X, or an ASCII member of X"; a regex without one
 * runs on the wide view. This class performs the same rewriting, so a non-ASCII letter matches
 * {@code \p{L}} and not {@code [A-Za-z]}, exactly as in llama.cpp. Patterns are given in
 * ECMAScript syntax as llama.cpp spells them and translated to {@link Pattern} syntax.
 */
final class RegexSplit implements SplitRule {
    /** Unicode White_Space as a class body, for the true-Unicode twins. */
    private static final String WHITE_SPACE =
            "\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

    private final String source;
    private final Pattern pattern;
    private final boolean onCollapsedView;

    private RegexSplit(String source, Pattern pattern, boolean onCollapsedView) {
        this.source = source;
        this.pattern = pattern;
        this.onCollapsedView = onCollapsedView;
    }

    /** A rule for a regex in llama.cpp's (ECMAScript) spelling. */
    static RegexSplit of(String ecmaRegex) {
        boolean usesCategories = ecmaRegex.contains("\\p{");
        String javaRegex = toJava(usesCategories ? collapse(ecmaRegex) : ecmaRegex);
        return new RegexSplit(ecmaRegex, Pattern.compile(javaRegex), usesCategories);
    }

    /** The GPT-2 regex with true Unicode classes: the slow twin of {@link Gpt2Split}. */
    static RegexSplit unicodeGpt2() {
        return unicode("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    }

    /** The Llama 3 regex with true Unicode classes: the slow twin of {@link Llama3Split}. */
    static RegexSplit unicodeLlama3() {
        return unicode("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    }

    /**
     * A regex with Java's Unicode categories and {@code \s} meaning White_Space. It runs on the
     * wide view, whose only change (non-ASCII whitespace shown as a vertical tab) keeps every
     * class membership the same.
     */
    private static RegexSplit unicode(String regex) {
        String javaRegex = regex.replace("[^\\s", "[^" + WHITE_SPACE)
                .replace("\\s", "[" + WHITE_SPACE + "]")
                .replace("\\S", "[^" + WHITE_SPACE + "]");
        return new RegexSplit(regex, Pattern.compile(javaRegex), false);
    }

    @Override
    public IntList split(CodepointText text, IntList pieces) {
        IntList out = new IntList(pieces.size() * 2);
        Matcher m = pattern.matcher(onCollapsedView ? text.collapsed() : text.wide());
        int start = 0;
        for (int p = 0; p < pieces.size(); p++) {
            int end = start + pieces.get(p);
            m.region(charIndex(text, start), charIndex(text, end));
            int last = start;
            while (m.find()) {
                int matchStart = codepointIndex(text, m.start());
                int matchEnd = codepointIndex(text, m.end());
                if (matchEnd == matchStart) {
                    continue; // an empty match cuts nothing
                }
                if (matchStart > last) {
                    out.add(matchStart - last);
                }
                out.add(matchEnd - matchStart);
                last = matchEnd;
            }
            if (end > last) {
                out.add(end - last);
            }
            start = end;
        }
        return out;
    }

    private int charIndex(CodepointText text, int codepointIndex) {
        return onCollapsedView ? codepointIndex : text.wideIndexOf(codepointIndex);
    }

    private int codepointIndex(CodepointText text, int charIndex) {
        return onCollapsedView ? charIndex : text.codepointIndexOfWide(charIndex);
    }

    @Override
    public String toString() {
        return source;
    }

    // ---- translation of llama.cpp's regexes -------------------------------------------------

    /** ASCII members of each category, as llama.cpp lists them (the collapsed text keeps ASCII as is). */
    private static String asciiMembers(char standIn) {
        return switch (standIn) {
            case UnicodeClass.COLLAPSED_NUMBER -> "0-9";
            case UnicodeClass.COLLAPSED_LETTER -> "A-Za-z";
            case UnicodeClass.COLLAPSED_PUNCTUATION -> "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
            case UnicodeClass.COLLAPSED_SYMBOL -> "\\$\\+<->\\^`\\|";
            default -> ""; // marks: no ASCII members
        };
    }

    private static char standIn(String category) {
        return switch (category) {
            case "\\p{N}" -> UnicodeClass.COLLAPSED_NUMBER;
            case "\\p{L}", "\\p{Lu}", "\\p{Ll}", "\\p{Lt}", "\\p{Lm}", "\\p{Lo}" -> UnicodeClass.COLLAPSED_LETTER;
            case "\\p{P}" -> UnicodeClass.COLLAPSED_PUNCTUATION;
            case "\\p{M}" -> UnicodeClass.COLLAPSED_MARK;
            case "\\p{S}" -> UnicodeClass.COLLAPSED_SYMBOL;
            default -> 0;
        };
    }

    /** Rewrites each {@code \p{X}} as "[stand-in of X + ASCII members of X]" (merged into an enclosing class). */
    static String collapse(String regex) {
        StringBuilder out = new StringBuilder();
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c >= 0x80) {
                throw new IllegalArgumentException("a regex with \\p{..} classes must be ASCII, as in llama.cpp: " + regex);
            }
            boolean escaped = i > 0 && regex.charAt(i - 1) == '\\';
            if (c == '[' && !escaped) {
                out.append('[');
                inClass = true;
                continue;
            }
            if (inClass && c == ']' && !escaped) {
                out.append(']');
                inClass = false;
                continue;
            }
            if (c == '\\' && i + 3 < regex.length() && regex.charAt(i + 1) == 'p' && regex.charAt(i + 2) == '{') {
                int close = regex.indexOf('}', i + 3);
                char standIn = close > 0 && close <= i + 10 ? standIn(regex.substring(i, close + 1)) : 0;
                if (standIn != 0) {
                    out.append(inClass ? "" : "[").append(standIn).append(asciiMembers(standIn)).append(inClass ? "" : "]");
                    i = close;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /**
     * ECMAScript to {@link Pattern}: {@code $} means end of input (Java's also matches before a
     * final line break), and inside a class {@code [} and {@code &} are plain characters.
     */
    static String toJava(String ecma) {
        StringBuilder out = new StringBuilder();
        boolean inClass = false;
        for (int i = 0; i < ecma.length(); i++) {
            char c = ecma.charAt(i);
            if (c == '\\' && i + 1 < ecma.length()) {
                out.append(c).append(ecma.charAt(++i));
            } else if (inClass) {
                if (c == ']') {
                    inClass = false;
                    out.append(c);
                } else if (c == '[' || c == '&') {
                    out.append('\\').append(c);
                } else {
                    out.append(c);
                }
            } else if (c == '[') {
                inClass = true;
                out.append(c);
            } else if (c == '$') {
                out.append("\\z");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
