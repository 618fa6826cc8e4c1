package dev.moesaic.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * ggml's Q8_0 weight format: blocks of 32 values stored as an fp16 scale {@code d} and 32 signed
 * bytes {@code q}; value = {@code q * d}. Decoding, the reference encoder that writes model files,
 * and the dot product with Q8_0 activations ({@link Q8_0Activations}).
 */
public final class Q8_0Blocks {
    public static final int BLOCK_SIZE = 32;
    public static final int BLOCK_BYTES = 2 + 32;

    private Q8_0Blocks() {
    }

    /** dequantize_row_q8_0: {@code n} values from {@code src[srcOffset]} into {@code out[outOffset ...]}. */
    public static void dequantize(MemorySegment src, long srcOffset, int n, float[] out, int outOffset) {
        int nb = blocks(n);
        for (int b = 0; b < nb; b++) {
            long at = srcOffset + (long) b * BLOCK_BYTES;
            float d = F16Rows.fromBits(src.get(LittleEndian.I16, at));
            for (int j = 0; j < BLOCK_SIZE; j++) {
                out[outOffset + b * BLOCK_SIZE + j] = src.get(LittleEndian.I8, at + 2 + j) * d;
            }
        }
    }

    /**
     * quantize_row_q8_0_ref, the encoder llama-quantize uses for Q8_0 files: {@code d = amax / 127},
     * {@code q = roundf(x * (1 / d))} (ties away from zero).
     */
    public static void quantize(float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        int nb = blocks(n);
        for (int b = 0; b < nb; b++) {
            int from = xOffset + b * BLOCK_SIZE;
            long at = dstOffset + (long) b * BLOCK_BYTES;
            float amax = 0f;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                amax = Math.max(amax, Math.abs(x[from + j]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(LittleEndian.I16, at, F16Rows.toBits(d));
            for (int j = 0; j < BLOCK_SIZE; j++) {
                float q = GgmlRounding.roundHalfAwayFromZero(x[from + j] * id);
                dst.set(LittleEndian.I8, at + 2 + j, GgmlRounding.truncateToInt8(q));
            }
        }
    }

    /**
     * ggml_vec_dot_q8_0_q8_0 (generic C form): per block an exact integer sum, scaled by
     * {@code (dw * da)} and accumulated in float, block by block.
     */
    public static float dot(int n, MemorySegment w, long wOffset, MemorySegment a, long aOffset) {
        int nb = blocks(n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long wb = wOffset + (long) b * BLOCK_BYTES;
            long ab = aOffset + (long) b * Q8_0Activations.BLOCK_BYTES;
            int sumi = 0;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                sumi += w.get(LittleEndian.I8, wb + 2 + j) * a.get(LittleEndian.I8, ab + 2 + j);
            }
            float dw = F16Rows.fromBits(w.get(LittleEndian.I16, wb));
            float da = F16Rows.fromBits(a.get(LittleEndian.I16, ab));
            sum += sumi * (dw * da);
        }
        return sum;
    }

    private static int blocks(int n) {
        if (n < 0 || n % BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("Q8_0 needs a multiple of " + BLOCK_SIZE + " values, got " + n);
        }
        return n / BLOCK_SIZE;
    }
}
