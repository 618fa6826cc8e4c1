package dev.moesaic.engine.model;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.tokenizer.Tokenizer;
import dev.moesaic.engine.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a model by file: GGUF (by magic) or a llama2.c checkpoint. */
public final class ModelLoader {
    private ModelLoader() {
    }

    /** Opens a GGUF file (tokenizer from its metadata) or a llama2.c checkpoint (no tokenizer). */
    public static LoadedModel open(Path path) {
        return open(path, null);
    }

    /**
     * @param tokenizerFile a llama2.c tokenizer ({@code tok512.bin}); for GGUF files it must be null,
     *                      their vocabulary is inside the file
     */
    public static LoadedModel open(Path path, Path tokenizerFile) {
        if (!Files.isRegularFile(path)) {
            throw new ModelFormatException(path, "no such model file");
        }
        if (isGguf(path)) {
            GgufFile gguf = GgufFile.open(path);
            try {
                Architecture arch = Architecture.forName(gguf.requireString("general.architecture"), path);
                ModelConfig config = arch.config(gguf);
                if (tokenizerFile != null) {
                    throw new ModelFormatException(tokenizerFile, "a GGUF model carries its own vocabulary; --tokenizer is only for llama2.c checkpoints");
                }
                GgufWeightSource source = new GgufWeightSource(gguf);
                ModelWeights weights = arch.weights(config, source);
                Tokenizer tokenizer = gguf.has("tokenizer.ggml.model") ? Tokenizers.fromGguf(gguf) : null;
                return new LoadedModel(path.getFileName().toString(), config, weights, tokenizer,
                        gguf.getString("tokenizer.chat_template", null), source);
            } catch (RuntimeException e) {
                gguf.close();
                throw e;
            }
        }
        Llama2cCheckpoint ckpt = Llama2cCheckpoint.open(path);
        try {
            Tokenizer tokenizer = tokenizerFile == null ? null : Tokenizers.fromLlama2c(tokenizerFile, ckpt.config().vocabSize());
            return new LoadedModel(path.getFileName().toString(), ckpt.config(), new LlamaArchitecture().weights(ckpt.config(), ckpt),
                    tokenizer, null, ckpt);
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    static boolean isGguf(Path path) {
        try (var in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (java.io.IOException e) {
            throw new ModelFormatException(path, "cannot read file: " + e.getMessage());
        }
    }
}
