package dev.moesaic.engine.model;

import dev.moesaic.engine.gguf.GgufFile;

/**
 * One model family: how to read its hyperparameters from GGUF metadata and which tensors make up
 * each block. The forward pass itself is shared ({@link dev.moesaic.engine.forward.Transformer}).
 */
public interface Architecture {
    /** The GGUF {@code general.architecture} value. */
    String name();

    ModelConfig config(GgufFile gguf);

    ModelWeights weights(ModelConfig config, WeightSource source);

    static Architecture forName(String name, java.nio.file.Path file) {
        return switch (name) {
            case "llama" -> new LlamaArchitecture();
            case "qwen3moe" -> new Qwen3MoeArchitecture();
            case "glm4moe" -> new Glm4MoeArchitecture();
            default -> throw new ModelFormatException(file, "architecture '" + name
                    + "' is not supported (supported: llama, qwen3moe, glm4moe)");
        };
    }
}
