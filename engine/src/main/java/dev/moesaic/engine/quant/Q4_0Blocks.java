package dev.moesaic.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * ggml's Q4_0 weight format: blocks of 32 values stored as an fp16 scale {@code d} and 16 bytes of
 * 4-bit quants. Byte {@code j} holds element {@code j} in its low nibble and element {@code j + 16}
 * in its high nibble; value = {@code (q - 8) * d}. Decoding, the reference encoder, and the dot
 * product with Q8_0 activations ({@link Q8_0Activations}).
 */
public final class Q4_0Blocks {
    public static final int BLOCK_SIZE = 32;
    public static final int BLOCK_BYTES = 2 + 16;

    private Q4_0Blocks() {
    }

    /** dequantize_row_q4_0: {@code n} values from {@code src[srcOffset]} into {@code out[outOffset ...]}. */
    public static void dequantize(MemorySegment src, long srcOffset, int n, float[] out, int outOffset) {
        int nb = blocks(n);
        for (int b = 0; b < nb; b++) {
            long at = srcOffset + (long) b * BLOCK_BYTES;
            float d = F16Rows.fromBits(src.get(LittleEndian.I16, at));
            int base = outOffset + b * BLOCK_SIZE;
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int packed = src.get(LittleEndian.I8, at + 2 + j) & 0xff;
                out[base + j] = ((packed & 0x0f) - 8) * d;
                out[base + j + BLOCK_SIZE / 2] = ((packed >>> 4) - 8) * d;
            }
        }
    }

    /**
     * quantize_row_q4_0_ref, the encoder llama-quantize uses without an importance matrix:
     * {@code d = max / -8} where {@code max} is the value of largest magnitude (first on ties),
     * {@code q = min(15, (int8_t)(x / d + 8.5))}.
     */
    public static void quantize(float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        int nb = blocks(n);
        for (int b = 0; b < nb; b++) {
            int from = xOffset + b * BLOCK_SIZE;
            long at = dstOffset + (long) b * BLOCK_BYTES;
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                float v = x[from + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            dst.set(LittleEndian.I16, at, F16Rows.toBits(d));
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int lo = Math.min(15, GgmlRounding.truncateToInt8(x[from + j] * id + 8.5f)) & 0xff;
                int hi = Math.min(15, GgmlRounding.truncateToInt8(x[from + j + BLOCK_SIZE / 2] * id + 8.5f)) & 0xff;
                dst.set(LittleEndian.I8, at + 2 + j, (byte) (lo | hi << 4));
            }
        }
    }

    /**
     * ggml_vec_dot_q4_0_q8_0 (generic C form): two exact integer half-sums per block, then
     * {@code sum += sumi * dw * da} in float, block by block.
     */
    public static float dot(int n, MemorySegment w, long wOffset, MemorySegment a, long aOffset) {
        int nb = blocks(n);
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            long wb = wOffset + (long) b * BLOCK_BYTES;
            long ab = aOffset + (long) b * Q8_0Activations.BLOCK_BYTES;
            int sumi0 = 0;
            int sumi1 = 0;
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int packed = w.get(LittleEndian.I8, wb + 2 + j) & 0xff;
                sumi0 += ((packed & 0x0f) - 8) * a.get(LittleEndian.I8, ab + 2 + j);
                sumi1 += ((packed >>> 4) - 8) * a.get(LittleEndian.I8, ab + 2 + j + BLOCK_SIZE / 2);
            }
            int sumi = sumi0 + sumi1;
            float dw = F16Rows.fromBits(w.get(LittleEndian.I16, wb));
            float da = F16Rows.fromBits(a.get(LittleEndian.I16, ab));
            sum += sumi * dw * da;
        }
        return sum;
    }

    private static int blocks(int n) {
        if (n < 0 || n % BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("Q4_0 needs a multiple of " + BLOCK_SIZE + " values, got " + n);
        }
        return n / BLOCK_SIZE;
    }
}
