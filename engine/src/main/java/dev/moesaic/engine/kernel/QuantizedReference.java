package dev.moesaic.engine.kernel;

import dev.moesaic.engine.quant.ActivationFormat;
import dev.moesaic.engine.quant.BF16Rows;
import dev.moesaic.engine.quant.F16Rows;
import dev.moesaic.engine.quant.Q4_0Blocks;
import dev.moesaic.engine.quant.Q4_KBlocks;
import dev.moesaic.engine.quant.Q6_KBlocks;
import dev.moesaic.engine.quant.Q8_0Blocks;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Reference matmul for non-F32 weights, emulating llama.cpp's CPU backend: each activation row is
 * first converted to the weight type's {@link ActivationFormat} (Q8_0 blocks for Q4_0/Q8_0, Q8_K
 * blocks for K-quants, fp16/bf16 rounding for F16/BF16), then every output is ggml's scalar
 * ("generic") vec_dot of one weight row with that converted row. llama.cpp's SIMD dot products sum
 * the same integer products in another order of float additions, so they agree to rounding, not bits.
 */
final class QuantizedReference {
    private QuantizedReference() {
    }

    /** Same contract as {@link Kernels#matmul}: {@code out[i * rows + r]} for {@code i < m}; uses the first matrix of {@code w}. */
    static void matmul(Tensor w, float[] x, int m, float[] out) {
        int rows = w.rows();
        int cols = w.cols();
        if (w.type() == GgmlType.F32) {
            throw new IllegalArgumentException(w + ": F32 weights take the plain float path, not the quantized reference");
        }
        if (m < 0 || (long) m * cols > x.length || (long) m * rows > out.length) {
            throw new IllegalArgumentException(w + ": " + m + " rows need " + (long) m * cols + " inputs and " + (long) m * rows
                    + " outputs, got " + x.length + " and " + out.length);
        }
        ActivationFormat format = ActivationFormat.forWeights(w.type());
        MemorySegment activations = MemorySegment.ofArray(new byte[Math.toIntExact(format.bytesFor(cols))]);
        long rowBytes = w.rowBytes();
        for (int i = 0; i < m; i++) {
            // Each input row is converted on its own, so results do not depend on the batch.
            format.quantize(x, i * cols, cols, activations, 0);
            for (int r = 0; r < rows; r++) {
                out[i * rows + r] = dot(w.type(), cols, w.data(), r * rowBytes, activations, 0);
            }
        }
    }

    /**
     * One ggml vec_dot: {@code n} weights of {@code type} at {@code w[wOffset]} with {@code n}
     * activations already in {@code ActivationFormat.forWeights(type)} at {@code a[aOffset]}.
     */
    static float dot(GgmlType type, int n, MemorySegment w, long wOffset, MemorySegment a, long aOffset) {
        return switch (type) {
            case F16 -> F16Rows.dot(n, w, wOffset, a, aOffset);
            case BF16 -> BF16Rows.dot(n, w, wOffset, a, aOffset);
            case Q8_0 -> Q8_0Blocks.dot(n, w, wOffset, a, aOffset);
            case Q4_0 -> Q4_0Blocks.dot(n, w, wOffset, a, aOffset);
            case Q4_K -> Q4_KBlocks.dot(n, w, wOffset, a, aOffset);
            case Q6_K -> Q6_KBlocks.dot(n, w, wOffset, a, aOffset);
            case F32 -> throw new IllegalArgumentException("F32 weights take the plain float path");
        };
    }
}
