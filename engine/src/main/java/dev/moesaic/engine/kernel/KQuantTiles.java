package dev.moesaic.engine.kernel;

import static dev.moesaic.engine.kernel.Lanes.B_HALF;
import static dev.moesaic.engine.kernel.Lanes.B_QUARTER;
import static dev.moesaic.engine.kernel.Lanes.I;
import static dev.moesaic.engine.kernel.Lanes.I16;
import static dev.moesaic.engine.kernel.Lanes.LE;
import static dev.moesaic.engine.kernel.Lanes.S;
import static dev.moesaic.engine.kernel.Lanes.SL;
import static dev.moesaic.engine.kernel.Lanes.S_HALF;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K and Q6_K weight rows against Q8_K activations. Within a super-block of 256 everything is
 * integer (products in 16-bit lanes, scaled sums in 32-bit lanes, one exact lane reduction), so
 * the only float work per super-block is ggml's {@code d * sumi - dmin * summins}; the result
 * therefore does not depend on lane order at all.
 */
final class KQuantTiles {
    static final int QK = 256;
    static final long Q4_K_BYTES = 144;
    static final long Q6_K_BYTES = 210;

    private KQuantTiles() {
    }

    /** One Q4_K weight row (byte {@code wo}) against activation row {@code i}. */
    static float q4K(MemorySegment w, long wo, Q8Activations a, int i, int k, int[] scales, int[] mins) {
        short[] q = a.q;
        int nsb = k / QK;
        float s = 0f;
        for (int sb = 0; sb < nsb; sb++) {
            long o = wo + Q4_K_BYTES * sb;
            float d = Float.float16ToFloat(w.get(I16, o));
            float dmin = Float.float16ToFloat(w.get(I16, o + 2));
            unpackScalesMins(w, o + 4, scales, mins);
            int xb = i * k + sb * QK;
            IntVector acc = IntVector.zero(I);
            for (int c = 0; c < 4; c++) {
                int scLo = scales[2 * c];
                int scHi = scales[2 * c + 1];
                for (int h = 0; h < 32; h += SL) {
                    ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B_HALF, w, o + 16 + 32L * c + h, LE)
                            .convertShape(VectorOperators.B2S, S, 0);
                    ShortVector lo = packed.and((short) 0x0f);
                    ShortVector hi = packed.lanewise(VectorOperators.ASHR, 4).and((short) 0x0f);
                    int xo = xb + 64 * c + h;
                    acc = acc.add(pairInts(lo, q, xo).mul(scLo)).add(pairInts(hi, q, xo + 32).mul(scHi));
                }
            }
            int sumi = acc.reduceLanes(VectorOperators.ADD);
            int summins = 0;
            int bs = (i * k + sb * QK) / 16;
            for (int j = 0; j < 8; j++) {
                summins += mins[j] * (a.bsums[bs + 2 * j] + a.bsums[bs + 2 * j + 1]);
            }
            float dx = a.d[(i * k) / QK + sb];
            s += dx * d * sumi;
            s -= dx * dmin * summins;
        }
        return s;
    }

    /** One Q6_K weight row (byte {@code wo}) against activation row {@code i}. */
    static float q6K(MemorySegment w, long wo, Q8Activations a, int i, int k) {
        short[] q = a.q;
        int nsb = k / QK;
        int hl = S_HALF.length();
        float s = 0f;
        for (int sb = 0; sb < nsb; sb++) {
            long o = wo + Q6_K_BYTES * sb;
            float d = Float.float16ToFloat(w.get(I16, o + 208));
            IntVector acc = IntVector.zero(I);
            for (int n = 0; n < 2; n++) {
                long ql = o + 64L * n;
                long qh = o + 128 + 32L * n;
                long sc = o + 192 + 8L * n;
                int xb = i * k + sb * QK + 128 * n;
                for (int l = 0; l < 32; l += hl) {
                    int is = l / 16;
                    ShortVector qla = widen(w, ql + l);
                    ShortVector qlb = widen(w, ql + 32 + l);
                    ShortVector qhv = widen(w, qh + l);
                    ShortVector q1 = qla.and((short) 0x0f).or(qhv.and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector q2 = qlb.and((short) 0x0f)
                            .or(qhv.lanewise(VectorOperators.ASHR, 2).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector q3 = qla.lanewise(VectorOperators.ASHR, 4).and((short) 0x0f)
                            .or(qhv.lanewise(VectorOperators.ASHR, 4).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector q4 = qlb.lanewise(VectorOperators.ASHR, 4).and((short) 0x0f)
                            .or(qhv.lanewise(VectorOperators.ASHR, 6).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    acc = acc.add(scaledProducts(q1, q, xb + l, w.get(ValueLayout.JAVA_BYTE, sc + is)))
                            .add(scaledProducts(q2, q, xb + l + 32, w.get(ValueLayout.JAVA_BYTE, sc + is + 2)))
                            .add(scaledProducts(q3, q, xb + l + 64, w.get(ValueLayout.JAVA_BYTE, sc + is + 4)))
                            .add(scaledProducts(q4, q, xb + l + 96, w.get(ValueLayout.JAVA_BYTE, sc + is + 6)));
                }
            }
            int sumi = acc.reduceLanes(VectorOperators.ADD);
            s += a.d[(i * k) / QK + sb] * d * sumi;
        }
        return s;
    }

    private static ShortVector widen(MemorySegment w, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B_QUARTER, w, off, LE).convertShape(VectorOperators.B2S, S_HALF, 0);
    }

    /** (q6 - 32) * x in 16-bit lanes (|p| <= 32 * 127), widened to ints and times the group scale. */
    private static IntVector scaledProducts(ShortVector q6, short[] q, int xo, int scale) {
        ShortVector p = q6.sub((short) 32).mul(ShortVector.fromArray(S_HALF, q, xo));
        return ((IntVector) p.convertShape(VectorOperators.S2I, I, 0)).mul(scale);
    }

    /** w * x in 16-bit lanes, adjacent pairs added into int lanes (see {@link BlockQuantTiles}). */
    private static IntVector pairInts(ShortVector wv, short[] q, int xo) {
        IntVector p = wv.mul(ShortVector.fromArray(S, q, xo)).reinterpretAsInts();
        return p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
    }

    /** ggml's get_scale_min_k4 for the 8 sub-blocks: 6-bit scales and mins packed in 12 bytes. */
    static void unpackScalesMins(MemorySegment w, long off, int[] scales, int[] mins) {
        int[] b = new int[12];
        for (int j = 0; j < 12; j++) {
            b[j] = w.get(ValueLayout.JAVA_BYTE, off + j) & 0xff;
        }
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                scales[j] = b[j] & 63;
                mins[j] = b[j + 4] & 63;
            } else {
                scales[j] = (b[j + 4] & 0x0f) | ((b[j - 4] >> 6) << 4);
                mins[j] = (b[j + 4] >> 4) | ((b[j] >> 6) << 4);
            }
        }
    }
}
