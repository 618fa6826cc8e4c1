package dev.moesaic.engine.kernel;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The slow, obvious twins the fast kernels are checked against while the shared scalar reference
 * ({@link QuantizedReference}) is not yet available: per-element dequantization written straight
 * from the block layouts, the two llama.cpp activation quantizers, and the matmul they imply,
 * accumulated in double. Every result comes with the sum of the absolute values of its terms, which
 * scales the tolerance of a float kernel.
 */
final class PlainQuant {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private PlainQuant() {
    }

    /** Result of one dot product in double and the sum of |terms| (for tolerances). */
    record Dot(double value, double magnitude) {
    }

    private static int u8(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_BYTE, o) & 0xff;
    }

    private static float half(MemorySegment s, long o) {
        return Float.float16ToFloat(s.get(I16, o));
    }

    /** Element values of a weight row, written out per block layout. For K-quants also the integer quants and their factors. */
    static float[] dequantize(Tensor w, int row) {
        int k = w.cols();
        float[] out = new float[k];
        MemorySegment s = w.data();
        long base = row * w.rowBytes();
        switch (w.type()) {
            case F32 -> {
                for (int c = 0; c < k; c++) {
                    out[c] = s.get(F32, base + 4L * c);
                }
            }
            case F16 -> {
                for (int c = 0; c < k; c++) {
                    out[c] = half(s, base + 2L * c);
                }
            }
            case BF16 -> {
                for (int c = 0; c < k; c++) {
                    out[c] = Float.intBitsToFloat((s.get(I16, base + 2L * c) & 0xffff) << 16);
                }
            }
            case Q8_0 -> {
                for (int c = 0; c < k; c++) {
                    long blk = base + 34L * (c / 32);
                    out[c] = s.get(ValueLayout.JAVA_BYTE, blk + 2 + c % 32) * half(s, blk);
                }
            }
            case Q4_0 -> {
                for (int c = 0; c < k; c++) {
                    long blk = base + 18L * (c / 32);
                    int j = c % 32;
                    int q = j < 16 ? u8(s, blk + 2 + j) & 15 : u8(s, blk + 2 + j - 16) >> 4;
                    out[c] = (q - 8) * half(s, blk);
                }
            }
            case Q4_K -> {
                int[][] f = q4KFactors(w, row);
                for (int c = 0; c < k; c++) {
                    long blk = base + 144L * (c / 256);
                    int sub = (c % 256) / 32;
                    float d1 = half(s, blk) * f[1][c / 32];
                    float m1 = half(s, blk + 2) * f[2][c / 32];
                    out[c] = d1 * f[0][c] - m1;
                    assert sub >= 0;
                }
            }
            case Q6_K -> {
                int[][] f = q6KFactors(w, row);
                for (int c = 0; c < k; c++) {
                    long blk = base + 210L * (c / 256);
                    out[c] = half(s, blk + 208) * f[1][c / 16] * f[0][c];
                }
            }
        }
        return out;
    }

    /** Q4_K: [0] = the 4-bit quant of each element, [1] = 6-bit scale and [2] = 6-bit min of each sub-block of 32. */
    static int[][] q4KFactors(Tensor w, int row) {
        int k = w.cols();
        MemorySegment s = w.data();
        long base = row * w.rowBytes();
        int[] q = new int[k];
        int[] sc = new int[k / 32];
        int[] mn = new int[k / 32];
        for (int sb = 0; sb < k / 256; sb++) {
            long blk = base + 144L * sb;
            for (int j = 0; j < 8; j++) {
                int[] b = new int[12];
                for (int t = 0; t < 12; t++) {
                    b[t] = u8(s, blk + 4 + t);
                }
                // low 6 bits of bytes 0-3 / 4-7 for the first four; nibbles of 8-11 plus the top 2 bits of 0-7 for the rest
                sc[8 * sb + j] = j < 4 ? b[j] & 63 : (b[j + 4] & 15) | ((b[j - 4] >> 6) << 4);
                mn[8 * sb + j] = j < 4 ? b[j + 4] & 63 : (b[j + 4] >> 4) | ((b[j] >> 6) << 4);
            }
            for (int e = 0; e < 256; e++) {
                int chunk = e / 64;
                int l = e % 32;
                int byt = u8(s, blk + 16 + 32L * chunk + l);
                q[256 * sb + e] = (e % 64) < 32 ? byt & 15 : byt >> 4;
            }
        }
        return new int[][] {q, sc, mn};
    }

    /** Q6_K: [0] = the signed 6-bit quant (minus 32) of each element, [1] = the int8 scale of each group of 16. */
    static int[][] q6KFactors(Tensor w, int row) {
        int k = w.cols();
        MemorySegment s = w.data();
        long base = row * w.rowBytes();
        int[] q = new int[k];
        int[] sc = new int[k / 16];
        for (int sb = 0; sb < k / 256; sb++) {
            long blk = base + 210L * sb;
            for (int g = 0; g < 16; g++) {
                sc[16 * sb + g] = s.get(ValueLayout.JAVA_BYTE, blk + 192 + g);
            }
            for (int e = 0; e < 256; e++) {
                int half = e / 128;      // which 128: ql/qh advance by 64/32 bytes
                int r = e % 128;
                int quarter = r / 32;     // 0: ql low nibble, 1: ql+32 low, 2: ql high, 3: ql+32 high
                int l = r % 32;
                int ql = u8(s, blk + 64L * half + (quarter % 2 == 1 ? 32 : 0) + l);
                int low = quarter < 2 ? ql & 15 : ql >> 4;
                int qh = (u8(s, blk + 128 + 32L * half + l) >> (2 * quarter)) & 3;
                q[256 * sb + e] = (low | (qh << 4)) - 32;
            }
        }
        return new int[][] {q, sc};
    }

    /** llama.cpp's Q8_0 activation quantization of one row: [values..., with scales returned separately]. */
    static int[] quantizeQ8_0(float[] x, float[] scalesOut) {
        int[] q = new int[x.length];
        for (int b = 0; b < x.length / 32; b++) {
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * b + j]));
            }
            scalesOut[b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            float id = amax != 0f ? 127f / amax : 0f;
            for (int j = 0; j < 32; j++) {
                q[32 * b + j] = (int) Math.rint(x[32 * b + j] * id);
            }
        }
        return q;
    }

    /** llama.cpp's quantize_row_q8_K of one row (scales returned separately). */
    static int[] quantizeQ8K(float[] x, float[] scalesOut) {
        int[] q = new int[x.length];
        for (int b = 0; b < x.length / 256; b++) {
            float max = 0f;
            float amax = 0f;
            for (int j = 0; j < 256; j++) {
                if (Math.abs(x[256 * b + j]) > amax) {
                    amax = Math.abs(x[256 * b + j]);
                    max = x[256 * b + j];
                }
            }
            if (amax == 0f) {
                scalesOut[b] = 0f;
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < 256; j++) {
                q[256 * b + j] = Math.min(127, (int) Math.rint(iscale * x[256 * b + j]));
            }
            scalesOut[b] = 1f / iscale;
        }
        return q;
    }

    /** The dot product a llama.cpp-style kernel computes for weight row {@code row} and activation row {@code x}, in double. */
    static Dot dot(Tensor w, int row, float[] x) {
        int k = w.cols();
        double sum = 0;
        double mag = 0;
        switch (w.type()) {
            case F32, F16, BF16 -> {
                float[] wr = dequantize(w, row);
                for (int c = 0; c < k; c++) {
                    float xv = switch (w.type()) {
                        case F16 -> Float.float16ToFloat(Float.floatToFloat16(x[c]));
                        case BF16 -> HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(x[c]));
                        default -> x[c];
                    };
                    double t = (double) wr[c] * xv;
                    sum += t;
                    mag += Math.abs(t);
                }
            }
            case Q8_0, Q4_0 -> {
                float[] dx = new float[k / 32];
                int[] xq = quantizeQ8_0(x, dx);
                MemorySegment s = w.data();
                long bytes = w.type().blockBytes();
                for (int b = 0; b < k / 32; b++) {
                    long blk = row * w.rowBytes() + bytes * b;
                    long isum = 0;
                    long iabs = 0;
                    for (int j = 0; j < 32; j++) {
                        int wq = w.type() == GgmlType.Q8_0 ? s.get(ValueLayout.JAVA_BYTE, blk + 2 + j)
                                : (j < 16 ? u8(s, blk + 2 + j) & 15 : u8(s, blk + 2 + j - 16) >> 4) - 8;
                        isum += (long) wq * xq[32 * b + j];
                        iabs += Math.abs((long) wq * xq[32 * b + j]);
                    }
                    double scale = (double) half(s, blk) * dx[b];
                    sum += scale * isum;
                    mag += Math.abs(scale) * iabs;
                }
            }
            case Q4_K -> {
                float[] dx = new float[k / 256];
                int[] xq = quantizeQ8K(x, dx);
                int[][] f = q4KFactors(w, row);
                for (int sb = 0; sb < k / 256; sb++) {
                    long blk = row * w.rowBytes() + 144L * sb;
                    double d = (double) dx[sb] * half(w.data(), blk);
                    double dmin = (double) dx[sb] * half(w.data(), blk + 2);
                    for (int e = 256 * sb; e < 256 * sb + 256; e++) {
                        double t = d * f[1][e / 32] * f[0][e] * xq[e] - dmin * f[2][e / 32] * xq[e];
                        sum += t;
                        mag += Math.abs(d * f[1][e / 32] * f[0][e] * xq[e]) + Math.abs(dmin * f[2][e / 32] * xq[e]);
                    }
                }
            }
            case Q6_K -> {
                float[] dx = new float[k / 256];
                int[] xq = quantizeQ8K(x, dx);
                int[][] f = q6KFactors(w, row);
                for (int sb = 0; sb < k / 256; sb++) {
                    long blk = row * w.rowBytes() + 210L * sb;
                    double d = (double) dx[sb] * half(w.data(), blk + 208);
                    for (int e = 256 * sb; e < 256 * sb + 256; e++) {
                        double t = d * f[1][e / 16] * f[0][e] * xq[e];
                        sum += t;
                        mag += Math.abs(t);
                    }
                }
            }
        }
        return new Dot(sum, mag);
    }
}
