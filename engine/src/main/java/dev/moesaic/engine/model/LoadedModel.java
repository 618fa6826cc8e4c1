package dev.moesaic.engine.model;

import dev.moesaic.engine.forward.KvLayout;
import dev.moesaic.engine.tokenizer.Tokenizer;

/**
 * A model ready to run: hyperparameters, resolved weights, its tokenizer and where they came from.
 * Closing it releases the source (unmaps the file); weights must not be used afterwards.
 *
 * @param tokenizer null only for a llama2.c checkpoint opened without its tokenizer file
 * @param chatTemplate the model's Jinja chat template ({@code tokenizer.chat_template}), or null
 */
public record LoadedModel(String id, ModelConfig config, ModelWeights weights, Tokenizer tokenizer, String chatTemplate,
                          WeightSource source) implements AutoCloseable {
    /** The KV block layout for this model with {@code blockSize} positions per block. */
    public KvLayout kvLayout(int blockSize) {
        return new KvLayout(blockSize, config.layers(), config.keyDim(), config.kvValueDim());
    }

    @Override
    public void close() {
        source.close();
    }
}
