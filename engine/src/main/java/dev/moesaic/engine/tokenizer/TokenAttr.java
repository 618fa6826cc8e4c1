package dev.moesaic.engine.tokenizer;

/**
 * Token attributes as bit flags. A token starts with the attribute of its {@link TokenType}; the
 * loader then adds flags (e.g. CONTROL for a token that looks like an end-of-turn marker), so one
 * token can carry several.
 */
final class TokenAttr {
    static final int UNDEFINED = 0;
    static final int UNKNOWN = 1;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    static final int CONTROL = 1 << 3;
    static final int USER_DEFINED = 1 << 4;
    static final int BYTE = 1 << 5;

    private TokenAttr() {
    }

    static int of(TokenType type) {
        return switch (type) {
            case UNDEFINED -> UNDEFINED;
            case NORMAL -> NORMAL;
            case UNKNOWN -> UNKNOWN;
            case CONTROL -> CONTROL;
            case USER_DEFINED -> USER_DEFINED;
            case UNUSED -> UNUSED;
            case BYTE -> BYTE;
        };
    }
}
