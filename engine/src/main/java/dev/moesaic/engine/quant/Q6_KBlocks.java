package dev.moesaic.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * ggml's Q6_K weight format: super-blocks of 256 values in 210 bytes: 128 bytes {@code ql} (low 4
 * bits), 64 bytes {@code qh} (high 2 bits), 16 signed 8-bit scales (one per 16 values), fp16
 * {@code d}. Each half of 128 values uses 64 {@code ql} bytes, 32 {@code qh} bytes and 8 scales: for
 * {@code l < 32}, element {@code l} takes the low nibble of {@code ql[l]}, {@code l+32} the low nibble
 * of {@code ql[l+32]}, {@code l+64} and {@code l+96} their high nibbles, and the high bits come from
 * {@code qh[l]} bits 0-1, 2-3, 4-5, 6-7 in that order. Value = {@code d * scale * (q - 32)}.
 */
public final class Q6_KBlocks {
    public static final int BLOCK_SIZE = 256;
    public static final int BLOCK_BYTES = 128 + 64 + 16 + 2;
    private static final int QL = 0;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    private Q6_KBlocks() {
    }

    /** dequantize_row_q6_K: {@code n} values from {@code src[srcOffset]} into {@code out[outOffset ...]}. */
    public static void dequantize(MemorySegment src, long srcOffset, int n, float[] out, int outOffset) {
        int nb = blocks(n);
        byte[] q = new byte[BLOCK_SIZE];
        for (int b = 0; b < nb; b++) {
            long at = srcOffset + (long) b * BLOCK_BYTES;
            float d = F16Rows.fromBits(src.get(LittleEndian.I16, at + D));
            unpack(src, at, q);
            int y = outOffset + b * BLOCK_SIZE;
            for (int i = 0; i < BLOCK_SIZE; i++) {
                byte sc = src.get(LittleEndian.I8, at + SCALES + i / 16);
                out[y + i] = d * sc * q[i];
            }
        }
    }

    /**
     * ggml_vec_dot_q6_K_q8_K (generic C form) with Q8_K activations ({@link Q8_KActivations}):
     * integer sums in eight int32 lanes, scaled per super-block into eight float lanes.
     */
    public static float dot(int n, MemorySegment w, long wOffset, MemorySegment a, long aOffset) {
        int nb = blocks(n);
        byte[] aux8 = new byte[BLOCK_SIZE];
        int[] aux32 = new int[8];
        float[] sums = new float[8];
        for (int b = 0; b < nb; b++) {
            long wb = wOffset + (long) b * BLOCK_BYTES;
            long ab = aOffset + (long) b * Q8_KActivations.BLOCK_BYTES;
            unpack(w, wb, aux8);
            java.util.Arrays.fill(aux32, 0);
            int k = 0;
            for (int s = 0; s < 16; s++) {
                int scale = w.get(LittleEndian.I8, wb + SCALES + s);
                for (int group = 0; group < 2; group++) {
                    for (int l = 0; l < 8; l++) {
                        short product = (short) (a.get(LittleEndian.I8, ab + Q8_KActivations.QS_OFFSET + k + l) * aux8[k + l]);
                        aux32[l] += scale * product;
                    }
                    k += 8;
                }
            }
            float d = F16Rows.fromBits(w.get(LittleEndian.I16, wb + D)) * a.get(LittleEndian.F32, ab);
            for (int l = 0; l < 8; l++) {
                sums[l] += d * aux32[l];
            }
        }
        float sumf = 0f;
        for (int l = 0; l < 8; l++) {
            sumf += sums[l];
        }
        return sumf;
    }

    /**
     * quantize_row_q6_K_ref, the encoder llama-quantize uses without an importance matrix: a scale
     * search per 16 values ({@code make_qx_quants}), the 16 scales quantized to int8 against the one
     * of largest magnitude, then the quants recomputed with the stored scales.
     */
    public static void quantize(float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        int nb = blocks(n);
        byte[] levels = new byte[BLOCK_SIZE];
        float[] scales = new float[16];
        for (int b = 0; b < nb; b++) {
            int from = xOffset + b * BLOCK_SIZE;
            long at = dstOffset + (long) b * BLOCK_BYTES;
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++) {
                float scale = KQuantSearch.symmetricScale(16, 32, x, from + 16 * ib, levels, 16 * ib);
                scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < 1e-15f) { // GROUP_MAX_EPS: an all-zero block is stored as zeros
                dst.asSlice(at, BLOCK_BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            short dBits = F16Rows.toBits(1 / iscale);
            dst.set(LittleEndian.I16, at + D, dBits);
            for (int ib = 0; ib < 16; ib++) {
                dst.set(LittleEndian.I8, at + SCALES + ib, (byte) Math.min(127, GgmlRounding.nearestInt(iscale * scales[ib])));
            }
            for (int j = 0; j < 16; j++) {
                float d = F16Rows.fromBits(dBits) * dst.get(LittleEndian.I8, at + SCALES + j);
                if (d == 0f) {
                    continue; // keeps the levels of the search, as ggml does
                }
                for (int ii = 0; ii < 16; ii++) {
                    int l = GgmlRounding.nearestInt(x[from + 16 * j + ii] / d);
                    levels[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                }
            }
            for (int half = 0; half < 2; half++) {
                int lv = 128 * half;
                long ql = at + QL + 64L * half;
                long qh = at + QH + 32L * half;
                for (int l = 0; l < 32; l++) {
                    int q1 = levels[lv + l];
                    int q2 = levels[lv + l + 32];
                    int q3 = levels[lv + l + 64];
                    int q4 = levels[lv + l + 96];
                    dst.set(LittleEndian.I8, ql + l, (byte) ((q1 & 0xf) | (q3 & 0xf) << 4));
                    dst.set(LittleEndian.I8, ql + l + 32, (byte) ((q2 & 0xf) | (q4 & 0xf) << 4));
                    dst.set(LittleEndian.I8, qh + l, (byte) ((q1 >>> 4) | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6));
                }
            }
        }
    }

    /** The 256 signed 6-bit quants ({@code q - 32}, in -32..31) of the super-block at {@code at}, in element order. */
    private static void unpack(MemorySegment src, long at, byte[] q) {
        for (int half = 0; half < 2; half++) {
            long ql = at + QL + 64L * half;
            long qh = at + QH + 32L * half;
            int y = 128 * half;
            for (int l = 0; l < 32; l++) {
                int lo0 = u8(src, ql + l);
                int lo1 = u8(src, ql + l + 32);
                int hi = u8(src, qh + l);
                q[y + l] = (byte) (((lo0 & 0xf) | (hi & 3) << 4) - 32);
                q[y + l + 32] = (byte) (((lo1 & 0xf) | (hi >>> 2 & 3) << 4) - 32);
                q[y + l + 64] = (byte) (((lo0 >>> 4) | (hi >>> 4 & 3) << 4) - 32);
                q[y + l + 96] = (byte) (((lo1 >>> 4) | (hi >>> 6 & 3) << 4) - 32);
            }
        }
    }

    private static int u8(MemorySegment s, long at) {
        return s.get(LittleEndian.I8, at) & 0xff;
    }

    private static int blocks(int n) {
        if (n < 0 || n % BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("Q6_K needs a multiple of " + BLOCK_SIZE + " values, got " + n);
        }
        return n / BLOCK_SIZE;
    }
}
