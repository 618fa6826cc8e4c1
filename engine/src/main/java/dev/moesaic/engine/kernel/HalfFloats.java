package dev.moesaic.engine.kernel;

import static dev.moesaic.engine.kernel.Lanes.F32;
import static dev.moesaic.engine.kernel.Lanes.FL;
import static dev.moesaic.engine.kernel.Lanes.I;
import static dev.moesaic.engine.kernel.Lanes.I16;
import static dev.moesaic.engine.kernel.Lanes.LE;
import static dev.moesaic.engine.kernel.Lanes.S_HALF;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vectorised fp16/bf16 to float conversion (the Vector API has no half-float conversion, so fp16
 * is rebuilt with integer operations), and the rounding of activations to fp16/bf16 that ggml
 * applies before its F16/BF16 dot products.
 */
final class HalfFloats {
    /** 2^112: moves an fp16 exponent (bias 15) placed in a float's exponent field to bias 127. */
    private static final float F16_EXP_ADJUST = 0x1p112f;

    private HalfFloats() {
    }

    /** {@code n} bf16 values at byte {@code srcOff} of {@code src} as floats into {@code dst} at byte {@code dstOff}. */
    static void bf16ToFloat(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n) {
        int nv = n - n % FL;
        for (int c = 0; c < nv; c += FL) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(S_HALF, src, srcOff + 2L * c, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoMemorySegment(dst, dstOff + 4L * c, LE);
        }
        for (int c = nv; c < n; c++) {
            dst.set(F32, dstOff + 4L * c, bf16ToFloat(src.get(I16, srcOff + 2L * c)));
        }
    }

    /** {@code n} fp16 values at byte {@code srcOff} of {@code src} as floats into {@code dst} at byte {@code dstOff}. */
    static void f16ToFloat(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int n) {
        int nv = n - n % FL;
        for (int c = 0; c < nv; c += FL) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S_HALF, src, srcOff + 2L * c, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            f16BitsToFloat(h).intoMemorySegment(dst, dstOff + 4L * c, LE);
        }
        for (int c = nv; c < n; c++) {
            dst.set(F32, dstOff + 4L * c, Float.float16ToFloat(src.get(I16, srcOff + 2L * c)));
        }
    }

    /**
     * fp16 bit patterns (zero-extended in int lanes) to floats. Exponent and mantissa shifted into
     * float position and scaled by 2^112 give normals and subnormals exactly; infinities and NaNs
     * (exponent 31) get the float exponent 255 with the mantissa shifted the same way and NaNs the
     * quiet bit, as {@link Float#float16ToFloat} (and F16C's vcvtph2ps) do.
     */
    static FloatVector f16BitsToFloat(IntVector h) {
        IntVector em = h.and(0x7fff);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
        FloatVector finite = shifted.reinterpretAsFloats().mul(F16_EXP_ADJUST);
        VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7c00);
        VectorMask<Integer> nan = em.compare(VectorOperators.GT, 0x7c00);
        IntVector bits = finite.reinterpretAsInts().blend(shifted.or(0x7f800000), special);
        bits = bits.blend(bits.or(0x00400000), nan); // NaNs come out quiet, as with vcvtph2ps
        return bits.or(sign).reinterpretAsFloats();
    }

    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** ggml's fp32 -> bf16 rounding: round to nearest even, NaNs kept quiet. */
    static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** {@code x[from, to)} rounded to fp16 and back, into {@code dst} at the same indexes. */
    static void roundToF16(float[] x, float[] dst, int from, int to) {
        for (int i = from; i < to; i++) {
            dst[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
        }
    }

    /** {@code x[from, to)} rounded to bf16 (ggml's rounding) and back, into {@code dst} at the same indexes. */
    static void roundToBf16(float[] x, float[] dst, int from, int to) {
        for (int i = from; i < to; i++) {
            dst[i] = bf16ToFloat(floatToBf16(x[i]));
        }
    }
}
