package dev.moesaic.engine.quant;

import dev.moesaic.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * The form activations take before llama.cpp's CPU backend multiplies them with weights of a given
 * type (ggml's {@code vec_dot_type}): F32 stays F32, F16 and BF16 weights meet activations rounded to
 * the same type, Q4_0 and Q8_0 weights meet Q8_0 blocks, K-quants meet Q8_K blocks.
 */
public enum ActivationFormat {
    F32, F16, BF16, Q8_0, Q8_K;

    /** The activation format ggml pairs with {@code weights}. */
    public static ActivationFormat forWeights(GgmlType weights) {
        return switch (weights) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case Q4_0, Q8_0 -> Q8_0;
            case Q4_K, Q6_K -> Q8_K;
        };
    }

    /** Bytes needed for {@code n} activations in this format. */
    public long bytesFor(int n) {
        return switch (this) {
            case F32 -> 4L * n;
            case F16, BF16 -> 2L * n;
            case Q8_0 -> Q8_0Activations.bytesFor(n);
            case Q8_K -> Q8_KActivations.bytesFor(n);
        };
    }

    /** Converts {@code x[xOffset .. +n)} into this format at {@code dst[dstOffset ...]}, as ggml's {@code from_float} does. */
    public void quantize(float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        switch (this) {
            case F32 -> MemorySegment.copy(x, xOffset, dst, LittleEndian.F32, dstOffset, n);
            case F16 -> F16Rows.quantize(x, xOffset, n, dst, dstOffset);
            case BF16 -> BF16Rows.quantize(x, xOffset, n, dst, dstOffset);
            case Q8_0 -> Q8_0Activations.quantize(x, xOffset, n, dst, dstOffset);
            case Q8_K -> Q8_KActivations.quantize(x, xOffset, n, dst, dstOffset);
        }
    }
}
