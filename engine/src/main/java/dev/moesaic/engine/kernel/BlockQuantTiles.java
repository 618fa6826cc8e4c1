package dev.moesaic.engine.kernel;

import static dev.moesaic.engine.kernel.Lanes.B_HALF;
import static dev.moesaic.engine.kernel.Lanes.B_QUARTER;
import static dev.moesaic.engine.kernel.Lanes.F;
import static dev.moesaic.engine.kernel.Lanes.FL;
import static dev.moesaic.engine.kernel.Lanes.I16;
import static dev.moesaic.engine.kernel.Lanes.LE;
import static dev.moesaic.engine.kernel.Lanes.S;
import static dev.moesaic.engine.kernel.Lanes.SL;
import static dev.moesaic.engine.kernel.Lanes.S_HALF;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0 and Q4_0 weight rows against Q8_0 activations: integer products per block of 32, scaled in
 * float. The products are formed in 16-bit lanes (|w * x| <= 127 * 127 fits), adjacent pairs are
 * added into 32-bit lanes with one shift-add-shift (an int lane holding two shorts lo, hi becomes
 * {@code (v + (v << 16)) >> 16 = lo + hi}), converted to float (exact: far below 2^24) and
 * accumulated as {@code acc = fma(pairSums, dw * dx, acc)}. This formulation measured fastest of
 * several tried (float products, 4 rows sharing one activation load, 256-bit halves).
 *
 * <p>Per output the recipe is fixed: one vector accumulator over the blocks in order, then
 * {@link Lanes#sum}. Tiles (1 weight row x up to 4 activation rows, sharing the widened weights)
 * never change a value.
 */
final class BlockQuantTiles {
    static final int BLOCK = 32;
    static final long Q8_0_BYTES = 34;
    static final long Q4_0_BYTES = 18;

    private BlockQuantTiles() {
    }

    /** Q8_0 weight row at byte {@code wo} against {@code xs} (1 to 4) activation rows starting at row {@code i0}. */
    static void q8_0Row(MemorySegment w, long wo, Q8Activations a, int i0, int xs, int k, float[] res, float[] tmp) {
        int nb = k / BLOCK;
        short[] q = a.q;
        float[] dx = a.d;
        int x0 = i0 * k;
        int b0 = i0 * nb;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        for (int b = 0; b < nb; b++) {
            long o = wo + Q8_0_BYTES * b;
            float dw = Float.float16ToFloat(w.get(I16, o));
            for (int h = 0; h < BLOCK; h += SL) {
                ShortVector wv = (ShortVector) ByteVector.fromMemorySegment(B_HALF, w, o + 2 + h, LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                int xo = x0 + b * BLOCK + h;
                acc0 = pairSums(wv, q, xo).fma(FloatVector.broadcast(F, dw * dx[b0 + b]), acc0);
                if (xs > 1) {
                    acc1 = pairSums(wv, q, xo + k).fma(FloatVector.broadcast(F, dw * dx[b0 + nb + b]), acc1);
                    if (xs > 2) {
                        acc2 = pairSums(wv, q, xo + 2 * k).fma(FloatVector.broadcast(F, dw * dx[b0 + 2 * nb + b]), acc2);
                        if (xs > 3) {
                            acc3 = pairSums(wv, q, xo + 3 * k).fma(FloatVector.broadcast(F, dw * dx[b0 + 3 * nb + b]), acc3);
                        }
                    }
                }
            }
        }
        finish(acc0, acc1, acc2, acc3, xs, res, tmp);
    }

    /**
     * Q4_0 weight row at byte {@code wo} against {@code xs} (1 to 4) activation rows starting at row
     * {@code i0}. The nibbles enter the products unbiased (0..15) and the -8 offset is folded out:
     * {@code sum (q - 8) x = sum q x - 8 sum x}, with {@code sum x} per block known from quantization,
     * which saves two vector operations per block in this compute-bound loop.
     */
    static void q4_0Row(MemorySegment w, long wo, Q8Activations a, int i0, int xs, int k, float[] res, float[] tmp) {
        int nb = k / BLOCK;
        short[] q = a.q;
        float[] dx = a.d;
        int[] sx = a.blockSums;
        int x0 = i0 * k;
        int b0 = i0 * nb;
        int hl = S_HALF.length();
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        float off0 = 0f;
        float off1 = 0f;
        float off2 = 0f;
        float off3 = 0f;
        for (int b = 0; b < nb; b++) {
            long o = wo + Q4_0_BYTES * b;
            float dw = Float.float16ToFloat(w.get(I16, o));
            float d0 = dw * dx[b0 + b];
            off0 = Math.fma(d0, sx[b0 + b], off0);
            float d1 = 0f;
            float d2 = 0f;
            float d3 = 0f;
            if (xs > 1) {
                d1 = dw * dx[b0 + nb + b];
                off1 = Math.fma(d1, sx[b0 + nb + b], off1);
                if (xs > 2) {
                    d2 = dw * dx[b0 + 2 * nb + b];
                    off2 = Math.fma(d2, sx[b0 + 2 * nb + b], off2);
                    if (xs > 3) {
                        d3 = dw * dx[b0 + 3 * nb + b];
                        off3 = Math.fma(d3, sx[b0 + 3 * nb + b], off3);
                    }
                }
            }
            // element j of the block is the low nibble of byte j, element j + 16 the high nibble
            for (int h = 0; h < BLOCK / 2; h += hl) {
                ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(B_QUARTER, w, o + 2 + h, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_HALF, 0);
                ShortVector lo = packed.and((short) 0x0f);
                ShortVector hi = packed.lanewise(VectorOperators.LSHR, 4);
                int xo = x0 + b * BLOCK + h;
                acc0 = nibbleSums(lo, hi, q, xo).fma(FloatVector.broadcast(F, d0), acc0);
                if (xs > 1) {
                    acc1 = nibbleSums(lo, hi, q, xo + k).fma(FloatVector.broadcast(F, d1), acc1);
                    if (xs > 2) {
                        acc2 = nibbleSums(lo, hi, q, xo + 2 * k).fma(FloatVector.broadcast(F, d2), acc2);
                        if (xs > 3) {
                            acc3 = nibbleSums(lo, hi, q, xo + 3 * k).fma(FloatVector.broadcast(F, d3), acc3);
                        }
                    }
                }
            }
        }
        finish(acc0, acc1, acc2, acc3, xs, res, tmp);
        res[0] = Math.fma(-8f, off0, res[0]);
        res[1] = Math.fma(-8f, off1, res[1]);
        res[2] = Math.fma(-8f, off2, res[2]);
        res[3] = Math.fma(-8f, off3, res[3]);
    }

    /** Products of 16-bit lanes, adjacent pairs added into int lanes, as floats. */
    private static FloatVector pairSums(ShortVector wv, short[] q, int xo) {
        IntVector p = wv.mul(ShortVector.fromArray(S, q, xo)).reinterpretAsInts();
        return (FloatVector) p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                .convert(VectorOperators.I2F, 0);
    }

    /** lo[j] * x[j] + hi[j] * x[j + 16] in 16-bit lanes (|sum| <= 2 * 15 * 127), widened to floats. */
    private static FloatVector nibbleSums(ShortVector lo, ShortVector hi, short[] q, int xo) {
        ShortVector p = lo.mul(ShortVector.fromArray(S_HALF, q, xo))
                .add(hi.mul(ShortVector.fromArray(S_HALF, q, xo + BLOCK / 2)));
        return (FloatVector) p.convertShape(VectorOperators.S2F, F, 0);
    }

    private static void finish(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, int xs,
                               float[] res, float[] tmp) {
        res[0] = Lanes.sum(a0, tmp);
        if (xs > 1) {
            res[1] = Lanes.sum(a1, tmp);
        }
        if (xs > 2) {
            res[2] = Lanes.sum(a2, tmp);
        }
        if (xs > 3) {
            res[3] = Lanes.sum(a3, tmp);
        }
    }

    static {
        if (S.length() != 2 * FL || S_HALF.length() != FL) {
            throw new AssertionError("vector shapes do not line up: " + S + " " + S_HALF + " " + F);
        }
    }
}
