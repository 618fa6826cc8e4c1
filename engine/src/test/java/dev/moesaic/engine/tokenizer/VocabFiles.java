package dev.moesaic.engine.tokenizer;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.gguf.GgufFormatException;
import dev.moesaic.engine.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Opens the shared vocabulary fixtures. */
final class VocabFiles {
    private VocabFiles() {
    }

    /** {@code ../shared/models/vocab/ggml-vocab-NAME.gguf}. */
    static GgufFile open(String name) {
        return openTolerant(Fixtures.model("vocab/ggml-vocab-" + name + ".gguf"));
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

    /**
     * llama.cpp's vocabulary-only files have no tensors and end right after the header, without the
     * padding up to the data section's alignment; llama.cpp reads them (C's fseek may pass the end).
     * GgufFile currently rejects that, so a padded temporary copy is read instead. Remove this
     * fallback once GgufFile accepts a missing, empty data section.
     */
    static GgufFile openTolerant(Path path) {
        try {
            return GgufFile.open(path);
        } catch (GgufFormatException e) {
            if (!e.getMessage().contains("ends before the tensor data section")) {
                throw e;
            }
            try {
                byte[] bytes = Files.readAllBytes(path);
                Path padded = Files.createTempFile("vocab-", ".gguf");
                padded.toFile().deleteOnExit();
                Files.write(padded, Arrays.copyOf(bytes, (bytes.length + 255) / 256 * 256));
                return GgufFile.open(padded);
            } catch (IOException io) {
                throw new UncheckedIOException(io);
            }
        }
    }
}
