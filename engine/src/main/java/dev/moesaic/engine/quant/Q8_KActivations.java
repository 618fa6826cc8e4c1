package dev.moesaic.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * Quantizes activations to Q8_K as llama.cpp's CPU backend does before multiplying them with K-quant
 * weights ({@code quantize_row_q8_K}, which on x86 is the reference {@code quantize_row_q8_K_ref}).
 * Per block of 256: {@code max} = the value of largest magnitude (first one on ties, sign kept),
 * {@code iscale = -127 / max}, {@code q = min(127, nearest_int(iscale * x))}, scale {@code d = 1 / iscale}
 * (a float, not fp16, and negative when {@code max} is positive), plus {@code bsums}: the sum of each
 * 16 consecutive quants, which K-quant dot products use to apply the per-sub-block minimum.
 */
public final class Q8_KActivations {
    public static final int BLOCK_SIZE = 256;
    public static final int SUM_GROUP = 16;
    public static final int SUMS_PER_BLOCK = BLOCK_SIZE / SUM_GROUP;
    /** ggml's block_q8_K: float d, 256 signed quants, 16 int16 bsums. */
    public static final int BLOCK_BYTES = 4 + BLOCK_SIZE + 2 * SUMS_PER_BLOCK;
    public static final int QS_OFFSET = 4;
    public static final int BSUMS_OFFSET = 4 + BLOCK_SIZE;

    private Q8_KActivations() {
    }

    /** Bytes of the block layout for {@code n} activations ({@code n} a multiple of 256). */
    public static long bytesFor(int n) {
        return (long) blocks(n) * BLOCK_BYTES;
    }

    /** {@code x[xOffset .. +n)} into ggml's block_q8_K layout at {@code dst[dstOffset ...]}. */
    public static void quantize(float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        byte[] q = new byte[BLOCK_SIZE];
        short[] sums = new short[SUMS_PER_BLOCK];
        int nb = blocks(n);
        for (int b = 0; b < nb; b++) {
            long at = dstOffset + (long) b * BLOCK_BYTES;
            dst.set(LittleEndian.F32, at, quantizeBlock(x, xOffset + b * BLOCK_SIZE, q, sums));
            MemorySegment.copy(q, 0, dst, LittleEndian.I8, at + QS_OFFSET, BLOCK_SIZE);
            MemorySegment.copy(sums, 0, dst, LittleEndian.I16, at + BSUMS_OFFSET, SUMS_PER_BLOCK);
        }
    }

    /**
     * The same values split for vector kernels: quants into {@code qs[qsOffset + i]}, the scale of
     * block {@code b} into {@code scales[scaleOffset + b]}, its 16 group sums into
     * {@code bsums[bsumsOffset + 16 b ...]}.
     */
    public static void quantize(float[] x, int xOffset, int n, byte[] qs, int qsOffset, float[] scales, int scaleOffset,
                                short[] bsums, int bsumsOffset) {
        byte[] q = new byte[BLOCK_SIZE];
        short[] sums = new short[SUMS_PER_BLOCK];
        int nb = blocks(n);
        for (int b = 0; b < nb; b++) {
            scales[scaleOffset + b] = quantizeBlock(x, xOffset + b * BLOCK_SIZE, q, sums);
            System.arraycopy(q, 0, qs, qsOffset + b * BLOCK_SIZE, BLOCK_SIZE);
            System.arraycopy(sums, 0, bsums, bsumsOffset + b * SUMS_PER_BLOCK, SUMS_PER_BLOCK);
        }
    }

    /** Quantizes one block into {@code q} and {@code sums}; returns its scale. */
    private static float quantizeBlock(float[] x, int offset, byte[] q, short[] sums) {
        float max = 0f;
        float amax = 0f;
        for (int j = 0; j < BLOCK_SIZE; j++) {
            float ax = Math.abs(x[offset + j]);
            if (ax > amax) {
                amax = ax;
                max = x[offset + j];
            }
        }
        if (amax == 0f) {
            // ggml leaves bsums untouched here; they are multiplied by d = 0, so zeros are equivalent.
            java.util.Arrays.fill(q, (byte) 0);
            java.util.Arrays.fill(sums, (short) 0);
            return 0f;
        }
        float iscale = -127f / max;
        for (int j = 0; j < BLOCK_SIZE; j++) {
            q[j] = (byte) Math.min(127, GgmlRounding.nearestInt(iscale * x[offset + j]));
        }
        for (int g = 0; g < SUMS_PER_BLOCK; g++) {
            int sum = 0;
            for (int i = 0; i < SUM_GROUP; i++) {
                sum += q[g * SUM_GROUP + i];
            }
            sums[g] = (short) sum;
        }
        return 1f / iscale;
    }

    private static int blocks(int n) {
        if (n < 0 || n % BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("Q8_K activations need a multiple of " + BLOCK_SIZE + " values, got " + n);
        }
        return n / BLOCK_SIZE;
    }
}
