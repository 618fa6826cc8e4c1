package dev.moesaic.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * ggml's Q4_K weight format: super-blocks of 256 values in 144 bytes: fp16 {@code d}, fp16
 * {@code dmin}, 12 bytes packing eight 6-bit sub-block scales and eight 6-bit mins, and 128 bytes of
 * 4-bit quants. The 256 values form 4 chunks of 64; chunk {@code c} uses quant bytes
 * {@code 32c .. 32c+31}, whose low nibbles are sub-block {@code 2c} and high nibbles sub-block
 * {@code 2c+1}. Value = {@code d * scale[s] * q - dmin * min[s]}.
 */
public final class Q4_KBlocks {
    public static final int BLOCK_SIZE = 256;
    public static final int BLOCK_BYTES = 2 + 2 + 12 + 128;
    private static final int SCALES = 4;
    private static final int QS = 16;
    private static final int SUB_BLOCKS = 8;
    private static final int SUB_BLOCK_SIZE = 32;

    private Q4_KBlocks() {
    }

    /**
     * ggml's {@code get_scale_min_k4}: the 6-bit scale (index 0) and min (index 1) of sub-block
     * {@code j} from the 12 packed bytes at {@code at}. Sub-blocks 0-3 use the low 6 bits of bytes
     * {@code j} and {@code j+4}; sub-blocks 4-7 take their low 4 bits from the nibbles of byte
     * {@code j+4} and their top 2 bits from the top bits of bytes {@code j-4} and {@code j}.
     */
    public static int scale(MemorySegment src, long scalesAt, int j) {
        if (j < 4) {
            return u8(src, scalesAt + j) & 63;
        }
        return (u8(src, scalesAt + j + 4) & 0xf) | (u8(src, scalesAt + j - 4) >>> 6) << 4;
    }

    /** The 6-bit min of sub-block {@code j}; see {@link #scale}. */
    public static int min(MemorySegment src, long scalesAt, int j) {
        if (j < 4) {
            return u8(src, scalesAt + j + 4) & 63;
        }
        return (u8(src, scalesAt + j + 4) >>> 4) | (u8(src, scalesAt + j) >>> 6) << 4;
    }

    /** dequantize_row_q4_K: {@code n} values from {@code src[srcOffset]} into {@code out[outOffset ...]}. */
    public static void dequantize(MemorySegment src, long srcOffset, int n, float[] out, int outOffset) {
        int nb = blocks(n);
        for (int b = 0; b < nb; b++) {
            long at = srcOffset + (long) b * BLOCK_BYTES;
            float d = F16Rows.fromBits(src.get(LittleEndian.I16, at));
            float dmin = F16Rows.fromBits(src.get(LittleEndian.I16, at + 2));
            int y = outOffset + b * BLOCK_SIZE;
            for (int chunk = 0; chunk < 4; chunk++) {
                int s = 2 * chunk;
                float d1 = d * scale(src, at + SCALES, s);
                float m1 = dmin * min(src, at + SCALES, s);
                float d2 = d * scale(src, at + SCALES, s + 1);
                float m2 = dmin * min(src, at + SCALES, s + 1);
                long q = at + QS + 32L * chunk;
                for (int l = 0; l < 32; l++) {
                    out[y++] = d1 * (u8(src, q + l) & 0xf) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    out[y++] = d2 * (u8(src, q + l) >>> 4) - m2;
                }
            }
        }
    }

    /**
     * ggml_vec_dot_q4_K_q8_K (generic C form) with Q8_K activations ({@link Q8_KActivations}):
     * integer sums per sub-block in eight int32 lanes, scaled per super-block into eight float lanes;
     * the mins are applied through the activation group sums.
     */
    public static float dot(int n, MemorySegment w, long wOffset, MemorySegment a, long aOffset) {
        int nb = blocks(n);
        byte[] aux8 = new byte[BLOCK_SIZE];
        int[] aux32 = new int[8];
        float[] sums = new float[8];
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            long wb = wOffset + (long) b * BLOCK_BYTES;
            long ab = aOffset + (long) b * Q8_KActivations.BLOCK_BYTES;
            for (int chunk = 0; chunk < 4; chunk++) {
                for (int l = 0; l < 32; l++) {
                    int packed = u8(w, wb + QS + 32L * chunk + l);
                    aux8[64 * chunk + l] = (byte) (packed & 0xf);
                    aux8[64 * chunk + 32 + l] = (byte) (packed >>> 4);
                }
            }
            int sumi = 0;
            for (int g = 0; g < Q8_KActivations.SUMS_PER_BLOCK; g++) {
                short bsum = a.get(LittleEndian.I16, ab + Q8_KActivations.BSUMS_OFFSET + 2L * g);
                sumi += bsum * min(w, wb + SCALES, g / 2);
            }
            java.util.Arrays.fill(aux32, 0);
            int k = 0;
            for (int s = 0; s < SUB_BLOCKS; s++) {
                int scale = scale(w, wb + SCALES, s);
                for (int group = 0; group < 4; group++) {
                    for (int l = 0; l < 8; l++) {
                        short product = (short) (a.get(LittleEndian.I8, ab + Q8_KActivations.QS_OFFSET + k + l) * aux8[k + l]);
                        aux32[l] += scale * product;
                    }
                    k += 8;
                }
            }
            float da = a.get(LittleEndian.F32, ab);
            float d = F16Rows.fromBits(w.get(LittleEndian.I16, wb)) * da;
            for (int l = 0; l < 8; l++) {
                sums[l] += d * aux32[l];
            }
            float dmin = F16Rows.fromBits(w.get(LittleEndian.I16, wb + 2)) * da;
            sumf -= dmin * sumi;
        }
        for (int l = 0; l < 8; l++) {
            sumf += sums[l];
        }
        return sumf;
    }

    /**
     * quantize_row_q4_K_ref, the encoder llama-quantize uses without an importance matrix: per
     * sub-block of 32 a weighted least-squares search for scale and min ({@code make_qkx2_quants}),
     * both then quantized to 6 bits against the super-block maxima, and the quants recomputed with
     * the stored scales.
     */
    public static void quantize(float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        int nb = blocks(n);
        byte[] levels = new byte[BLOCK_SIZE];
        byte[] aux = new byte[SUB_BLOCK_SIZE];
        float[] weights = new float[SUB_BLOCK_SIZE];
        float[] mins = new float[SUB_BLOCKS];
        float[] scales = new float[SUB_BLOCKS];
        byte[] packed = new byte[12];
        for (int b = 0; b < nb; b++) {
            int from = xOffset + b * BLOCK_SIZE;
            long at = dstOffset + (long) b * BLOCK_BYTES;
            float maxScale = 0f;
            float maxMin = 0f;
            for (int j = 0; j < SUB_BLOCKS; j++) {
                int sub = from + SUB_BLOCK_SIZE * j;
                float sumX2 = 0f;
                for (int l = 0; l < SUB_BLOCK_SIZE; l++) {
                    sumX2 += x[sub + l] * x[sub + l];
                }
                float avX = (float) Math.sqrt(sumX2 / 32f);
                for (int l = 0; l < SUB_BLOCK_SIZE; l++) {
                    weights[l] = avX + Math.abs(x[sub + l]);
                }
                float[] theMin = new float[1];
                scales[j] = KQuantSearch.scaleAndMin(SUB_BLOCK_SIZE, 15, x, sub, weights, levels, SUB_BLOCK_SIZE * j, theMin, aux,
                        -1f, 0.1f, 20);
                mins[j] = theMin[0];
                if (scales[j] > maxScale) {
                    maxScale = scales[j];
                }
                if (mins[j] > maxMin) {
                    maxMin = mins[j];
                }
            }
            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            java.util.Arrays.fill(packed, (byte) 0);
            for (int j = 0; j < SUB_BLOCKS; j++) {
                int ls = Math.min(63, GgmlRounding.nearestInt(invScale * scales[j]) & 0xff);
                int lm = Math.min(63, GgmlRounding.nearestInt(invMin * mins[j]) & 0xff);
                if (j < 4) {
                    packed[j] = (byte) ls;
                    packed[j + 4] = (byte) lm;
                } else {
                    packed[j + 4] = (byte) ((ls & 0xf) | (lm & 0xf) << 4);
                    packed[j - 4] |= (byte) ((ls >>> 4) << 6);
                    packed[j] |= (byte) ((lm >>> 4) << 6);
                }
            }
            short dBits = F16Rows.toBits(maxScale / 63f);
            short dminBits = F16Rows.toBits(maxMin / 63f);
            dst.set(LittleEndian.I16, at, dBits);
            dst.set(LittleEndian.I16, at + 2, dminBits);
            MemorySegment.copy(packed, 0, dst, LittleEndian.I8, at + SCALES, 12);
            for (int j = 0; j < SUB_BLOCKS; j++) {
                float d = F16Rows.fromBits(dBits) * scale(dst, at + SCALES, j);
                if (d == 0f) {
                    continue; // keeps the levels of the search, as ggml does
                }
                float dm = F16Rows.fromBits(dminBits) * min(dst, at + SCALES, j);
                for (int ii = 0; ii < SUB_BLOCK_SIZE; ii++) {
                    int l = GgmlRounding.nearestInt((x[from + SUB_BLOCK_SIZE * j + ii] + dm) / d);
                    levels[SUB_BLOCK_SIZE * j + ii] = (byte) Math.max(0, Math.min(15, l));
                }
            }
            for (int chunk = 0; chunk < 4; chunk++) {
                for (int l = 0; l < 32; l++) {
                    int lo = levels[64 * chunk + l];
                    int hi = levels[64 * chunk + 32 + l];
                    dst.set(LittleEndian.I8, at + QS + 32L * chunk + l, (byte) (lo | hi << 4));
                }
            }
        }
    }

    private static int u8(MemorySegment s, long at) {
        return s.get(LittleEndian.I8, at) & 0xff;
    }

    private static int blocks(int n) {
        if (n < 0 || n % BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("Q4_K needs a multiple of " + BLOCK_SIZE + " values, got " + n);
        }
        return n / BLOCK_SIZE;
    }
}
