package dev.moesaic.engine.kernel;

import dev.moesaic.engine.tensor.Tensor;

/** Reference matmul for non-F32 weights, emulating llama.cpp's CPU dot products. */
final class QuantizedReference {
    private QuantizedReference() {
    }

    static void matmul(Tensor w, float[] x, int m, float[] out) {
        throw new UnsupportedOperationException("matmul " + w.type() + " not implemented yet");
    }
}
