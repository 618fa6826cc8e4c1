package dev.moesaic.engine.quant;

/**
 * The float-to-integer conversions ggml's quantizers use, reproduced bit for bit. They differ in how
 * they break ties and what they do outside the int8 range, and those differences change quantized
 * bytes, so each quantizer names the one it needs.
 */
public final class GgmlRounding {
    /** 1.5 * 2^23: adding it pushes the integer part of a small float into the mantissa bits. */
    private static final float MAGIC = 12582912f;

    private GgmlRounding() {
    }

    /**
     * ggml's {@code nearest_int}: round to nearest, ties to even, via the float-addition trick. Exact
     * for {@code |f| <= 4194303}; larger values give the same wrapped result the C code gives.
     */
    public static int nearestInt(float f) {
        int bits = Float.floatToRawIntBits(f + MAGIC);
        return (bits & 0x007fffff) - 0x00400000;
    }

    /** C's {@code roundf}: round to nearest, ties away from zero. */
    public static float roundHalfAwayFromZero(float f) {
        // In double, |f| + 0.5 is exact, so values just below a half do not round up by accident.
        double r = Math.floor(Math.abs((double) f) + 0.5);
        return (float) Math.copySign(r, f);
    }

    /**
     * A C cast {@code (int8_t) f} as x86-64 compiles it: truncate to int32 (NaN and out-of-range give
     * INT_MIN, as {@code cvttss2si} does), then keep the low byte.
     */
    public static byte truncateToInt8(float f) {
        return (byte) x86Truncate(f);
    }

    /**
     * Round to nearest even and convert with signed saturation, as the AVX2 sequence
     * {@code round_ps; cvtps_epi32; packs_epi32; packs_epi16} does. NaN gives -128 (INT_MIN saturated).
     */
    public static byte roundEvenSaturateToInt8(float f) {
        int i = x86Round(f);
        return (byte) Math.max(-128, Math.min(127, i));
    }

    private static int x86Truncate(float f) {
        if (Float.isNaN(f) || f >= 2147483648f || f < -2147483648f) {
            return Integer.MIN_VALUE;
        }
        return (int) f;
    }

    private static int x86Round(float f) {
        double r = Math.rint(f);
        if (Double.isNaN(r) || r >= 2147483648.0 || r < -2147483648.0) {
            return Integer.MIN_VALUE;
        }
        return (int) r;
    }
}
