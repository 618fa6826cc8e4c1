package dev.moesaic.engine.device;

import dev.moesaic.engine.tensor.Tensor;

/** One expert's three projections, wherever they live (model file or a device's expert slot). */
public record ExpertTensors(Tensor gate, Tensor up, Tensor down) {
}
