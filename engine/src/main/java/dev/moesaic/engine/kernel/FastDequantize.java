package dev.moesaic.engine.kernel;

import static dev.moesaic.engine.kernel.Lanes.B_QUARTER;
import static dev.moesaic.engine.kernel.Lanes.F;
import static dev.moesaic.engine.kernel.Lanes.F32;
import static dev.moesaic.engine.kernel.Lanes.FL;
import static dev.moesaic.engine.kernel.Lanes.I16;
import static dev.moesaic.engine.kernel.Lanes.LE;

import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row dequantization (embedding lookup), vectorised for the plain and 32-block types; K-quants
 * are unpacked per element (one row per token is cheap). Every value equals ggml's
 * dequantize_row_* exactly: each element is one product {@code d * q} (Q4_K: {@code d*sc*q - dmin*m}
 * with ggml's grouping), computed in float like {@link Dequantize}.
 */
final class FastDequantize {
    private FastDequantize() {
    }

    static void row(Tensor w, int row, float[] out, int off) {
        int rowsTotal = w.rows() * w.matrices();
        if (row < 0 || row >= rowsTotal) {
            throw new IndexOutOfBoundsException("dequantize " + w + ": row " + row + " outside 0.." + (rowsTotal - 1));
        }
        int k = w.cols();
        if (off < 0 || off + k > out.length) {
            throw new IndexOutOfBoundsException("dequantize " + w + ": " + k + " floats at offset " + off
                    + " do not fit an array of " + out.length);
        }
        MemorySegment d = w.data();
        long base = row * w.rowBytes();
        switch (w.type()) {
            case F32 -> MemorySegment.copy(d, F32, base, out, off, k);
            case F16 -> HalfFloats.f16ToFloat(d, base, MemorySegment.ofArray(out), 4L * off, k);
            case BF16 -> HalfFloats.bf16ToFloat(d, base, MemorySegment.ofArray(out), 4L * off, k);
            case Q8_0 -> q8_0(d, base, k, out, off);
            case Q4_0 -> q4_0(d, base, k, out, off);
            case Q4_K -> q4K(d, base, k, out, off);
            case Q6_K -> q6K(d, base, k, out, off);
        }
    }

    private static void q8_0(MemorySegment w, long base, int k, float[] out, int off) {
        for (int b = 0; b < k / 32; b++) {
            long o = base + 34L * b;
            float d = Float.float16ToFloat(w.get(I16, o));
            for (int c = 0; c < 32; c += FL) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B_QUARTER, w, o + 2 + c, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                q.mul(d).intoArray(out, off + 32 * b + c);
            }
        }
    }

    private static void q4_0(MemorySegment w, long base, int k, float[] out, int off) {
        for (int b = 0; b < k / 32; b++) {
            long o = base + 18L * b;
            float d = Float.float16ToFloat(w.get(I16, o));
            for (int c = 0; c < 16; c += FL) {
                IntVector packed = (IntVector) ByteVector.fromMemorySegment(B_QUARTER, w, o + 2 + c, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Lanes.I, 0);
                FloatVector lo = (FloatVector) packed.and(0x0f).sub(8).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
                lo.mul(d).intoArray(out, off + 32 * b + c);
                hi.mul(d).intoArray(out, off + 32 * b + 16 + c);
            }
        }
    }

    private static void q4K(MemorySegment w, long base, int k, float[] out, int off) {
        int[] scales = new int[8];
        int[] mins = new int[8];
        for (int sb = 0; sb < k / 256; sb++) {
            long o = base + 144L * sb;
            float d = Float.float16ToFloat(w.get(I16, o));
            float dmin = Float.float16ToFloat(w.get(I16, o + 2));
            KQuantTiles.unpackScalesMins(w, o + 4, scales, mins);
            for (int c = 0; c < 4; c++) {
                float d1 = d * scales[2 * c];
                float m1 = dmin * mins[2 * c];
                float d2 = d * scales[2 * c + 1];
                float m2 = dmin * mins[2 * c + 1];
                for (int l = 0; l < 32; l++) {
                    int b = w.get(ValueLayout.JAVA_BYTE, o + 16 + 32L * c + l) & 0xff;
                    out[off + 256 * sb + 64 * c + l] = d1 * (b & 0x0f) - m1;
                    out[off + 256 * sb + 64 * c + 32 + l] = d2 * (b >> 4) - m2;
                }
            }
        }
    }

    private static void q6K(MemorySegment w, long base, int k, float[] out, int off) {
        for (int sb = 0; sb < k / 256; sb++) {
            long o = base + 210L * sb;
            float d = Float.float16ToFloat(w.get(I16, o + 208));
            for (int n = 0; n < 2; n++) {
                long ql = o + 64L * n;
                long qh = o + 128 + 32L * n;
                long sc = o + 192 + 8L * n;
                int y = off + 256 * sb + 128 * n;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = w.get(ValueLayout.JAVA_BYTE, ql + l) & 0xff;
                    int b = w.get(ValueLayout.JAVA_BYTE, ql + 32 + l) & 0xff;
                    int h = w.get(ValueLayout.JAVA_BYTE, qh + l) & 0xff;
                    int q1 = ((a & 0x0f) | ((h & 3) << 4)) - 32;
                    int q2 = ((b & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((b >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    out[y + l] = d * w.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                    out[y + l + 32] = d * w.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                    out[y + l + 64] = d * w.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                    out[y + l + 96] = d * w.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
                }
            }
        }
    }
}
