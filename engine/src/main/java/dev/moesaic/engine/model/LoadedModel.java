package dev.moesaic.engine.model;

import dev.moesaic.engine.forward.KvLayout;

/**
 * A model ready to run: hyperparameters, resolved weights and where they came from. Closing it
 * releases the source (unmaps the file); weights must not be used afterwards.
 */
public record LoadedModel(ModelConfig config, ModelWeights weights, WeightSource source) implements AutoCloseable {
    /** The KV block layout for this model with {@code blockSize} positions per block. */
    public KvLayout kvLayout(int blockSize) {
        return new KvLayout(blockSize, config.layers(), config.keyDim(), config.kvValueDim());
    }

    @Override
    public void close() {
        source.close();
    }
}
