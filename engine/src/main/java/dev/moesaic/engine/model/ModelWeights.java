package dev.moesaic.engine.model;

import dev.moesaic.engine.tensor.Tensor;
import java.util.List;

/**
 * All weights a forward pass needs, resolved by an {@link Architecture}.
 *
 * @param output the LM head; models with tied embeddings pass the embedding matrix here
 */
public record ModelWeights(Tensor tokenEmbedding, Tensor outputNorm, Tensor output, List<LayerWeights> layers) {
}
