package dev.moesaic.engine.model;

import dev.moesaic.engine.gguf.GgufFile;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a model by file: GGUF (by magic) or a llama2.c checkpoint. */
public final class ModelLoader {
    private ModelLoader() {
    }

    public static LoadedModel open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new ModelFormatException(path, "no such model file");
        }
        if (isGguf(path)) {
            GgufFile gguf = GgufFile.open(path);
            try {
                Architecture arch = Architecture.forName(gguf.requireString("general.architecture"), path);
                ModelConfig config = arch.config(gguf);
                GgufWeightSource source = new GgufWeightSource(gguf);
                return new LoadedModel(config, arch.weights(config, source), source);
            } catch (RuntimeException e) {
                gguf.close();
                throw e;
            }
        }
        Llama2cCheckpoint ckpt = Llama2cCheckpoint.open(path);
        try {
            return new LoadedModel(ckpt.config(), new LlamaArchitecture().weights(ckpt.config(), ckpt), ckpt);
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
