package dev.moesaic.engine.kernel;

import dev.moesaic.engine.tensor.Tensor;

/**
 * The compute kernels the forward pass uses. Every implementation is batch-invariant: the value of
 * one output element depends only on its weight row and its input row, never on how many other rows
 * are computed with it or on the thread count. Continuous batching and expert placement therefore
 * cannot change a sequence's output.
 */
public interface Kernels {
    /**
     * {@code out[i * w.rows() + r] = dot(row r of w, x[i * w.cols() ...])} for {@code i < m}. For
     * quantized weights the activations are quantized the way llama.cpp does before its integer dot
     * products (Q8_0 for Q4_0/Q8_0 weights, Q8_K for K-quants).
     */
    void matmul(Tensor w, float[] x, int m, float[] out);

    /**
     * Several weight matrices over the same input rows: {@code out[j] = matmul(w[j], x, m)}, each
     * value bitwise what {@link #matmul} gives. Fast kernels run them as one parallel job (Q/K/V, an
     * expert's gate and up) and prepare the activations once.
     */
    default void matmulEach(Tensor[] w, float[] x, int m, float[][] out) {
        for (int j = 0; j < w.length; j++) {
            matmul(w[j], x, m, out[j]);
        }
    }

    /** Row {@code row} of {@code w} converted to floats into {@code out[outOffset ...]} (embedding lookup). */
    void dequantizeRow(Tensor w, int row, float[] out, int outOffset);

    /** The plain, obviously correct implementation every fast kernel is tested against. */
    static Kernels reference() {
        return ReferenceKernels.INSTANCE;
    }
}
