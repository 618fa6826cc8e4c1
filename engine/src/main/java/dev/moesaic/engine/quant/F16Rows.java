package dev.moesaic.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * Rows of IEEE half-precision floats (ggml type F16): conversion both ways and ggml's dot product.
 * ggml multiplies F16 weights with activations that were first rounded to F16 as well.
 */
public final class F16Rows {
    public static final int BYTES = 2;

    private F16Rows() {
    }

    /**
     * float -> fp16 bits, round to nearest even (ggml's {@code GGML_FP32_TO_FP16} and the F16C
     * instruction agree on every finite value); every NaN becomes ggml's quiet NaN {@code 0x7e00}.
     */
    public static short toBits(float f) {
        if (Float.isNaN(f)) {
            return (short) ((Float.floatToRawIntBits(f) >>> 16 & 0x8000) | 0x7e00);
        }
        return Float.floatToFloat16(f);
    }

    /** fp16 bits -> float; exact for every value. */
    public static float fromBits(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** {@code n} fp16 values at {@code src[srcOffset]} into {@code out[outOffset ...]}. */
    public static void dequantize(MemorySegment src, long srcOffset, int n, float[] out, int outOffset) {
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = fromBits(src.get(LittleEndian.I16, srcOffset + (long) BYTES * i));
        }
    }

    /** Rounds {@code x[xOffset .. +n)} to fp16 into {@code dst[dstOffset ...]} (weights for export, or activations). */
    public static void quantize(float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        for (int i = 0; i < n; i++) {
            dst.set(LittleEndian.I16, dstOffset + (long) BYTES * i, toBits(x[xOffset + i]));
        }
    }

    /**
     * ggml_vec_dot_f16 (scalar form): the product of two fp16 values is exact in float, and the sum
     * is accumulated in double, then rounded to float once.
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
