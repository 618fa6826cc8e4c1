package dev.moesaic.engine.tokenizer;

/**
 * Text to token ids and back, with llama.cpp's semantics (llama_tokenize, llama_token_to_piece,
 * llama_detokenize), so the same model file gives the same ids and the same text as llama.cpp.
 * Implementations are immutable and thread-safe; {@link #newStreamingDecoder()} gives a per-sequence,
 * single-threaded decoder. Create one with {@link Tokenizers}.
 */
public interface Tokenizer {
    /**
     * Token ids of {@code text}. With {@code addSpecial}, BOS is prepended and EOS appended as the
     * vocabulary's add_bos/add_eos flags say. Special tokens written in the text (e.g. "&lt;s&gt;") are
     * tokenized as ordinary text; user-defined tokens are still recognised, as in llama.cpp.
     */
    default int[] encode(String text, boolean addSpecial) {
        return encode(text, addSpecial, false);
    }

    /**
     * As {@link #encode(String, boolean)}; with {@code parseSpecial}, control tokens written in the
     * text (chat-template markers such as "&lt;|im_start|&gt;") become those tokens.
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** The exact bytes of a token's piece, like llama_token_to_piece(special=true): control tokens give their text. */
    byte[] tokenBytes(int id);

    /**
     * Text of a token sequence, like llama_detokenize(remove_special=false, unparse_special=false):
     * control tokens render as nothing, a SentencePiece vocabulary drops the first token's leading
     * space, bytes that do not form UTF-8 become U+FFFD.
     */
    default String decode(int[] ids) {
        return decode(ids, false, false);
    }

    /**
     * llama_detokenize with its two options: {@code removeSpecial} drops a leading BOS and a
     * trailing EOS that the vocabulary adds (a dropped BOS keeps the following leading space);
     * {@code unparseSpecial} renders control tokens as their text.
     */
    String decode(int[] ids, boolean removeSpecial, boolean unparseSpecial);

    /** A decoder for one generated sequence: feed ids one by one, get back complete UTF-8 text. */
    StreamingDecoder newStreamingDecoder();

    int vocabSize();

    /** The BOS token id, or -1 if the vocabulary has none. */
    int bos();

    /** The EOS token id, or -1 if the vocabulary has none. */
    int eos();

    /** True for every token that ends generation (EOS, end-of-turn markers, ...). */
    boolean isEndOfGeneration(int id);

    /** Whether {@link #encode(String, boolean)} with {@code addSpecial} prepends BOS. */
    boolean addBos();

    /** The token's string as the vocabulary stores it (SentencePiece: U+2581 for spaces; BPE: byte characters). */
    String piece(int id);
}
