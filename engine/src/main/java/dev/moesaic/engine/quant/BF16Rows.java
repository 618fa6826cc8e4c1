package dev.moesaic.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * Rows of bfloat16 values (ggml type BF16, the top half of a float32): conversion both ways and
 * ggml's dot product. ggml multiplies BF16 weights with activations first rounded to BF16.
 */
public final class BF16Rows {
    public static final int BYTES = 2;

    private BF16Rows() {
    }

    /**
     * float -> bf16 bits exactly as ggml's {@code GGML_FP32_TO_BF16}: round to nearest even on the
     * raw bits (subnormals are kept, overflow rounds to infinity), NaN forced quiet by setting bit 6.
     */
    public static short toBits(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** bf16 bits -> float; exact. */
    public static float fromBits(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** {@code n} bf16 values at {@code src[srcOffset]} into {@code out[outOffset ...]}. */
    public static void dequantize(MemorySegment src, long srcOffset, int n, float[] out, int outOffset) {
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = fromBits(src.get(LittleEndian.I16, srcOffset + (long) BYTES * i));
        }
    }

    /** Rounds {@code x[xOffset .. +n)} to bf16 into {@code dst[dstOffset ...]} (weights for export, or activations). */
    public static void quantize(float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        for (int i = 0; i < n; i++) {
            dst.set(LittleEndian.I16, dstOffset + (long) BYTES * i, toBits(x[xOffset + i]));
        }
    }

    /**
     * ggml_vec_dot_bf16 (scalar form): bf16 x bf16 products are exact in float, summed in double and
     * rounded to float once.
     */
    public static float dot(int n, MemorySegment w, long wOffset, MemorySegment a, long aOffset) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float wi = fromBits(w.get(LittleEndian.I16, wOffset + (long) BYTES * i));
            float ai = fromBits(a.get(LittleEndian.I16, aOffset + (long) BYTES * i));
            sum += wi * ai;
        }
        return (float) sum;
    }
}
