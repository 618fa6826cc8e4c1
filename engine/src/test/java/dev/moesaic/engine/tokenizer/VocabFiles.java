package dev.moesaic.engine.tokenizer;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.testing.Fixtures;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Opens the shared vocabulary fixtures. */
final class VocabFiles {
    private VocabFiles() {
    }

    /** {@code ../shared/models/vocab/ggml-vocab-NAME.gguf}. */
    static GgufFile open(String name) {
        return GgufFile.open(Fixtures.model("vocab/ggml-vocab-" + name + ".gguf"));
    }

    /** Loaded once per test run: tokenizers are immutable, and loading the large vocabularies is slow before JIT warm-up. */
    static Tokenizer tokenizer(String name) {
        return TOKENIZERS.computeIfAbsent(name, n -> Tokenizers.fromRaw(raw(n)));
    }

    static RawVocabulary raw(String name) {
        return RAW.computeIfAbsent(name, n -> {
            try (GgufFile file = open(n)) {
                return GgufVocabularyReader.read(file);
            }
        });
    }

    private static final Map<String, RawVocabulary> RAW = new ConcurrentHashMap<>();
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();
}
