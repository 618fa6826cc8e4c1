package dev.moesaic.engine.tokenizer;

/** The two tokenizer algorithms Moesaic runs, named by GGUF's {@code tokenizer.ggml.model}. */
enum VocabularyKind {
    /** {@code "llama"}: SentencePiece-style pieces with scores, spaces spelled U+2581, byte fallback. */
    SENTENCEPIECE,
    /** {@code "gpt2"}: byte-level BPE with ranked merges and a regex pre-tokenizer. */
    BYTE_PAIR
}
