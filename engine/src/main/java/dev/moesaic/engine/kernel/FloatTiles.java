package dev.moesaic.engine.kernel;

import static dev.moesaic.engine.kernel.Lanes.F;
import static dev.moesaic.engine.kernel.Lanes.F32;
import static dev.moesaic.engine.kernel.Lanes.FL;
import static dev.moesaic.engine.kernel.Lanes.LE;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Register-tiled dot products of float weight rows (off-heap) with float activation rows (heap).
 *
 * <p>Every output element is computed by the same recipe whatever the tile: one vector
 * accumulator, {@code acc = fma(w[c], x[c], acc)} over the {@code k / FL} full chunks in order,
 * then {@link Lanes#sum}, then {@code Math.fma} over the leftover columns in order. Tiles only
 * decide how many rows share loads; they never change a value (the batch-invariance contract).
 *
 * <p>Tiles: 4 weight rows x {4, 2, 1} activation rows, and 1 weight row x {4, 2, 1}. The 4x4 tile
 * holds 16 accumulators, enough independent FMA chains to keep both FMA ports busy in prefill.
 * Results go to {@code res[i * 4 + j]} (activation row i, weight row j).
 */
final class FloatTiles {
    private FloatTiles() {
    }

    /**
     * {@code out[i * outStride + r]} for weight rows {@code [r0, r1)} and activation rows {@code [0, m)}.
     * Weight row {@code r} starts at byte {@code wBase + (r - r0) * wStride} of {@code w}; activation row
     * {@code i} at {@code x[i * k]}.
     */
    static void rows(MemorySegment w, long wBase, long wStride, int r0, int r1, float[] x, int m, int k,
                     float[] out, int outStride, float[] res, float[] tmp) {
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            long wo = wBase + (r - r0) * wStride;
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                tile4x4(w, wo, wStride, x, i * k, k, res, tmp);
                scatter(res, 4, 4, out, i, r, outStride);
            }
            if (i + 2 <= m) {
                tile4x2(w, wo, wStride, x, i * k, k, res, tmp);
                scatter(res, 2, 4, out, i, r, outStride);
                i += 2;
            }
            if (i < m) {
                tile4x1(w, wo, wStride, x, i * k, k, res, tmp);
                scatter(res, 1, 4, out, i, r, outStride);
            }
        }
        for (; r < r1; r++) {
            long wo = wBase + (r - r0) * wStride;
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                tile1x4(w, wo, x, i * k, k, res, tmp);
                scatter(res, 4, 1, out, i, r, outStride);
            }
            if (i + 2 <= m) {
                tile1x2(w, wo, x, i * k, k, res, tmp);
                scatter(res, 2, 1, out, i, r, outStride);
                i += 2;
            }
            if (i < m) {
                res[0] = dot(w, wo, x, i * k, k, tmp);
                scatter(res, 1, 1, out, i, r, outStride);
            }
        }
    }

    private static void scatter(float[] res, int xs, int ws, float[] out, int i0, int r0, int outStride) {
        for (int i = 0; i < xs; i++) {
            for (int j = 0; j < ws; j++) {
                out[(i0 + i) * outStride + r0 + j] = res[i * 4 + j];
            }
        }
    }

    /** The leftover columns of one output, after the vector part {@code s}. */
    private static float tail(float s, MemorySegment w, long wo, float[] x, int xo, int k) {
        for (int c = k - k % FL; c < k; c++) {
            s = Math.fma(w.get(F32, wo + 4L * c), x[xo + c], s);
        }
        return s;
    }

    /** The canonical single dot product; every tile computes exactly this per element. */
    static float dot(MemorySegment w, long wo, float[] x, int xo, int k, float[] tmp) {
        int kv = k - k % FL;
        FloatVector a = FloatVector.zero(F);
        for (int c = 0; c < kv; c += FL) {
            a = FloatVector.fromMemorySegment(F, w, wo + 4L * c, LE).fma(FloatVector.fromArray(F, x, xo + c), a);
        }
        return tail(Lanes.sum(a, tmp), w, wo, x, xo, k);
    }

    private static void tile1x2(MemorySegment w, long wo, float[] x, int xo, int k, float[] res, float[] tmp) {
        int kv = k - k % FL;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int c = 0; c < kv; c += FL) {
            FloatVector wv = FloatVector.fromMemorySegment(F, w, wo + 4L * c, LE);
            a0 = wv.fma(FloatVector.fromArray(F, x, xo + c), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, xo + k + c), a1);
        }
        res[0] = tail(Lanes.sum(a0, tmp), w, wo, x, xo, k);
        res[4] = tail(Lanes.sum(a1, tmp), w, wo, x, xo + k, k);
    }

    private static void tile1x4(MemorySegment w, long wo, float[] x, int xo, int k, float[] res, float[] tmp) {
        int kv = k - k % FL;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int c = 0; c < kv; c += FL) {
            FloatVector wv = FloatVector.fromMemorySegment(F, w, wo + 4L * c, LE);
            a0 = wv.fma(FloatVector.fromArray(F, x, xo + c), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, xo + k + c), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, xo + 2 * k + c), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, xo + 3 * k + c), a3);
        }
        res[0] = tail(Lanes.sum(a0, tmp), w, wo, x, xo, k);
        res[4] = tail(Lanes.sum(a1, tmp), w, wo, x, xo + k, k);
        res[8] = tail(Lanes.sum(a2, tmp), w, wo, x, xo + 2 * k, k);
        res[12] = tail(Lanes.sum(a3, tmp), w, wo, x, xo + 3 * k, k);
    }

    private static void tile4x1(MemorySegment w, long wo, long ws, float[] x, int xo, int k, float[] res, float[] tmp) {
        int kv = k - k % FL;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        long w1 = wo + ws;
        long w2 = wo + 2 * ws;
        long w3 = wo + 3 * ws;
        for (int c = 0; c < kv; c += FL) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + c);
            long o = 4L * c;
            a0 = FloatVector.fromMemorySegment(F, w, wo + o, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, w1 + o, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, w, w2 + o, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, w, w3 + o, LE).fma(xv, a3);
        }
        res[0] = tail(Lanes.sum(a0, tmp), w, wo, x, xo, k);
        res[1] = tail(Lanes.sum(a1, tmp), w, w1, x, xo, k);
        res[2] = tail(Lanes.sum(a2, tmp), w, w2, x, xo, k);
        res[3] = tail(Lanes.sum(a3, tmp), w, w3, x, xo, k);
    }

    private static void tile4x2(MemorySegment w, long wo, long ws, float[] x, int xo, int k, float[] res, float[] tmp) {
        int kv = k - k % FL;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        long w1 = wo + ws;
        long w2 = wo + 2 * ws;
        long w3 = wo + 3 * ws;
        int x1 = xo + k;
        for (int c = 0; c < kv; c += FL) {
            long o = 4L * c;
            FloatVector x0v = FloatVector.fromArray(F, x, xo + c);
            FloatVector x1v = FloatVector.fromArray(F, x, x1 + c);
            FloatVector v0 = FloatVector.fromMemorySegment(F, w, wo + o, LE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, w, w1 + o, LE);
            FloatVector v2 = FloatVector.fromMemorySegment(F, w, w2 + o, LE);
            FloatVector v3 = FloatVector.fromMemorySegment(F, w, w3 + o, LE);
            a00 = v0.fma(x0v, a00);
            a01 = v1.fma(x0v, a01);
            a02 = v2.fma(x0v, a02);
            a03 = v3.fma(x0v, a03);
            a10 = v0.fma(x1v, a10);
            a11 = v1.fma(x1v, a11);
            a12 = v2.fma(x1v, a12);
            a13 = v3.fma(x1v, a13);
        }
        res[0] = tail(Lanes.sum(a00, tmp), w, wo, x, xo, k);
        res[1] = tail(Lanes.sum(a01, tmp), w, w1, x, xo, k);
        res[2] = tail(Lanes.sum(a02, tmp), w, w2, x, xo, k);
        res[3] = tail(Lanes.sum(a03, tmp), w, w3, x, xo, k);
        res[4] = tail(Lanes.sum(a10, tmp), w, wo, x, x1, k);
        res[5] = tail(Lanes.sum(a11, tmp), w, w1, x, x1, k);
        res[6] = tail(Lanes.sum(a12, tmp), w, w2, x, x1, k);
        res[7] = tail(Lanes.sum(a13, tmp), w, w3, x, x1, k);
    }

    private static void tile4x4(MemorySegment w, long wo, long ws, float[] x, int xo, int k, float[] res, float[] tmp) {
        int kv = k - k % FL;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a23 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        FloatVector a33 = a00;
        long w1 = wo + ws;
        long w2 = wo + 2 * ws;
        long w3 = wo + 3 * ws;
        int x1 = xo + k;
        int x2 = xo + 2 * k;
        int x3 = xo + 3 * k;
        for (int c = 0; c < kv; c += FL) {
            long o = 4L * c;
            FloatVector v0 = FloatVector.fromMemorySegment(F, w, wo + o, LE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, w, w1 + o, LE);
            FloatVector v2 = FloatVector.fromMemorySegment(F, w, w2 + o, LE);
            FloatVector v3 = FloatVector.fromMemorySegment(F, w, w3 + o, LE);
            FloatVector xv = FloatVector.fromArray(F, x, xo + c);
            a00 = v0.fma(xv, a00);
            a01 = v1.fma(xv, a01);
            a02 = v2.fma(xv, a02);
            a03 = v3.fma(xv, a03);
            xv = FloatVector.fromArray(F, x, x1 + c);
            a10 = v0.fma(xv, a10);
            a11 = v1.fma(xv, a11);
            a12 = v2.fma(xv, a12);
            a13 = v3.fma(xv, a13);
            xv = FloatVector.fromArray(F, x, x2 + c);
            a20 = v0.fma(xv, a20);
            a21 = v1.fma(xv, a21);
            a22 = v2.fma(xv, a22);
            a23 = v3.fma(xv, a23);
            xv = FloatVector.fromArray(F, x, x3 + c);
            a30 = v0.fma(xv, a30);
            a31 = v1.fma(xv, a31);
            a32 = v2.fma(xv, a32);
            a33 = v3.fma(xv, a33);
        }
        res[0] = tail(Lanes.sum(a00, tmp), w, wo, x, xo, k);
        res[1] = tail(Lanes.sum(a01, tmp), w, w1, x, xo, k);
        res[2] = tail(Lanes.sum(a02, tmp), w, w2, x, xo, k);
        res[3] = tail(Lanes.sum(a03, tmp), w, w3, x, xo, k);
        res[4] = tail(Lanes.sum(a10, tmp), w, wo, x, x1, k);
        res[5] = tail(Lanes.sum(a11, tmp), w, w1, x, x1, k);
        res[6] = tail(Lanes.sum(a12, tmp), w, w2, x, x1, k);
        res[7] = tail(Lanes.sum(a13, tmp), w, w3, x, x1, k);
        res[8] = tail(Lanes.sum(a20, tmp), w, wo, x, x2, k);
        res[9] = tail(Lanes.sum(a21, tmp), w, w1, x, x2, k);
        res[10] = tail(Lanes.sum(a22, tmp), w, w2, x, x2, k);
        res[11] = tail(Lanes.sum(a23, tmp), w, w3, x, x2, k);
        res[12] = tail(Lanes.sum(a30, tmp), w, wo, x, x3, k);
        res[13] = tail(Lanes.sum(a31, tmp), w, w1, x, x3, k);
        res[14] = tail(Lanes.sum(a32, tmp), w, w2, x, x3, k);
        res[15] = tail(Lanes.sum(a33, tmp), w, w3, x, x3, k);
    }
}
