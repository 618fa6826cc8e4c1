package dev.moesaic.engine.tokenizer;

/** The roles a vocabulary can assign to special tokens, with the GGUF key that declares each. */
enum SpecialRole {
    BOS("tokenizer.ggml.bos_token_id"),
    EOS("tokenizer.ggml.eos_token_id"),
    EOT("tokenizer.ggml.eot_token_id"),
    EOM("tokenizer.ggml.eom_token_id"),
    UNK("tokenizer.ggml.unknown_token_id"),
    SEP("tokenizer.ggml.seperator_token_id"), // sic: the key is spelled this way in GGUF files
    PAD("tokenizer.ggml.padding_token_id"),
    MASK("tokenizer.ggml.mask_token_id"),
    FIM_PRE("tokenizer.ggml.fim_pre_token_id"),
    FIM_SUF("tokenizer.ggml.fim_suf_token_id"),
    FIM_MID("tokenizer.ggml.fim_mid_token_id"),
    FIM_PAD("tokenizer.ggml.fim_pad_token_id"),
    FIM_REP("tokenizer.ggml.fim_rep_token_id"),
    FIM_SEP("tokenizer.ggml.fim_sep_token_id");

    /** Older keys for the FIM roles; when present they win, as they are read last by llama.cpp. */
    static final String LEGACY_PREFIX_KEY = "tokenizer.ggml.prefix_token_id";
    static final String LEGACY_SUFFIX_KEY = "tokenizer.ggml.suffix_token_id";
    static final String LEGACY_MIDDLE_KEY = "tokenizer.ggml.middle_token_id";

    final String ggufKey;

    SpecialRole(String ggufKey) {
        this.ggufKey = ggufKey;
    }
}
