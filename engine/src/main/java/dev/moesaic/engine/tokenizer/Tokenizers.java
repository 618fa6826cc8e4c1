package dev.moesaic.engine.tokenizer;

import dev.moesaic.engine.gguf.GgufFile;
import java.nio.file.Path;

/** Creates {@link Tokenizer}s from model files and for the built-in models. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The tokenizer a GGUF file declares in its {@code tokenizer.ggml.*} metadata: model "llama" gives
     * SentencePiece-style tokenization, "gpt2" byte-level BPE with the pre-tokenizer that
     * {@code tokenizer.ggml.pre} names. Anything else, or missing or inconsistent metadata, fails
     * with a {@link TokenizerFormatException} naming the file.
     */
    public static Tokenizer fromGguf(GgufFile file) {
        return fromRaw(GgufVocabularyReader.read(file));
    }

    /**
     * The tokenizer in a llama2.c tokenizer file such as {@code tok512.bin}; {@code vocabSize} comes
     * from the model's config (the file does not store it). Tokenizes like llama2.c's encoder, which
     * is SentencePiece with a dummy-prefix space: BOS 1, EOS 2, byte fallback.
     */
    public static Tokenizer fromLlama2c(Path tokenizerFile, int vocabSize) {
        return fromRaw(Llama2cVocabularyReader.read(tokenizerFile, vocabSize));
    }

    /** The tokenizer of the built-in synthetic models. */
    public static Tokenizer builtin() {
        return BuiltinVocabulary.tokenizer();
    }

    static Tokenizer fromRaw(RawVocabulary raw) {
        VocabularyTable vocab = VocabularyTable.build(raw);
        return new VocabularyTokenizer(vocab, fastEncoder(vocab, raw));
    }

    /** The same tokenizer with the slow, obvious merge loops and regex splitters, for comparison tests. */
    static Tokenizer referenceFromRaw(RawVocabulary raw) {
        VocabularyTable vocab = VocabularyTable.build(raw);
        FragmentEncoder encoder = switch (raw.kind()) {
            case SENTENCEPIECE -> new SentencePieceReference(vocab);
            case BYTE_PAIR -> new BytePairReference(vocab, raw.merges(), new PreTokenizer(raw.preTokenizer().referenceRules()));
        };
        return new VocabularyTokenizer(vocab, encoder);
    }

    private static FragmentEncoder fastEncoder(VocabularyTable vocab, RawVocabulary raw) {
        return switch (raw.kind()) {
            case SENTENCEPIECE -> new SentencePieceEncoder(vocab);
            case BYTE_PAIR -> new BytePairEncoder(vocab, raw.merges(), new PreTokenizer(raw.preTokenizer().rules()));
        };
    }
}
