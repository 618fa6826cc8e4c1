package dev.moesaic.engine.tokenizer;

/** The per-token type stored in GGUF's {@code tokenizer.ggml.token_type}, with its file code. */
public enum TokenType {
    UNDEFINED(0),
    NORMAL(1),
    UNKNOWN(2),
    CONTROL(3),
    USER_DEFINED(4),
    UNUSED(5),
    BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    /** The integer written to {@code tokenizer.ggml.token_type}. */
    public int code() {
        return code;
    }

    /** The type for a file code; codes this enum does not know read as {@link #UNDEFINED}, as llama.cpp reads them. */
    public static TokenType ofCode(long code) {
        for (TokenType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return UNDEFINED;
    }
}
