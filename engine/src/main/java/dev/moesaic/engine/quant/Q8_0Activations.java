package dev.moesaic.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * Quantizes activations to Q8_0 exactly as llama.cpp's x86 CPU backend does before multiplying them
 * with Q4_0 or Q8_0 weights ({@code quantize_row_q8_0}, AVX/AVX2 path; the golden outputs come from
 * an x86-64 build). Per block of 32: {@code amax = max|x|}, stored scale {@code d = fp16(amax / 127)},
 * {@code q = round-half-even(x * (127 / amax))}, or 0 when the block is all zero.
 *
 * <p>This is not the reference quantizer used for weight files ({@link Q8_0Blocks#quantize}), which
 * multiplies by {@code 1 / d} and rounds ties away from zero: both differ in a few quants per block.
 * Finite inputs are reproduced bit for bit; NaN/inf activations are not emulated lane by lane.
 */
public final class Q8_0Activations {
    public static final int BLOCK_SIZE = 32;
    /** ggml's block_q8_0: fp16 scale, then 32 signed quants. */
    public static final int BLOCK_BYTES = 2 + 32;

    private Q8_0Activations() {
    }

    /** Bytes of the block layout for {@code n} activations ({@code n} a multiple of 32). */
    public static long bytesFor(int n) {
        return (long) blocks(n) * BLOCK_BYTES;
    }

    /** {@code x[xOffset .. +n)} into ggml's block_q8_0 layout at {@code dst[dstOffset ...]}. */
    public static void quantize(float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        byte[] q = new byte[BLOCK_SIZE];
        int nb = blocks(n);
        for (int b = 0; b < nb; b++) {
            long at = dstOffset + (long) b * BLOCK_BYTES;
            dst.set(LittleEndian.I16, at, quantizeBlock(x, xOffset + b * BLOCK_SIZE, q));
            MemorySegment.copy(q, 0, dst, LittleEndian.I8, at + 2, BLOCK_SIZE);
        }
    }

    /**
     * The same values split for vector kernels: quant {@code i} into {@code qs[qsOffset + i]}, the
     * scale of block {@code b} (the fp16 value ggml stores, widened to float) into
     * {@code scales[scaleOffset + b]}.
     */
    public static void quantize(float[] x, int xOffset, int n, byte[] qs, int qsOffset, float[] scales, int scaleOffset) {
        byte[] q = new byte[BLOCK_SIZE];
        int nb = blocks(n);
        for (int b = 0; b < nb; b++) {
            scales[scaleOffset + b] = F16Rows.fromBits(quantizeBlock(x, xOffset + b * BLOCK_SIZE, q));
            System.arraycopy(q, 0, qs, qsOffset + b * BLOCK_SIZE, BLOCK_SIZE);
        }
    }

    /** Quantizes one block into {@code q}; returns the fp16 bits of its scale. */
    private static short quantizeBlock(float[] x, int offset, byte[] q) {
        float amax = 0f;
        for (int j = 0; j < BLOCK_SIZE; j++) {
            amax = Math.max(amax, Math.abs(x[offset + j]));
        }
        float d = amax / 127f;
        // The SIMD path multiplies by 127/amax directly (not by 1/d) and rounds half to even.
        float id = amax != 0f ? 127f / amax : 0f;
        for (int j = 0; j < BLOCK_SIZE; j++) {
            q[j] = GgmlRounding.roundEvenSaturateToInt8(x[offset + j] * id);
        }
        return F16Rows.toBits(d);
    }

    private static int blocks(int n) {
        if (n < 0 || n % BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("Q8_0 activations need a multiple of " + BLOCK_SIZE + " values, got " + n);
        }
        return n / BLOCK_SIZE;
    }
}
