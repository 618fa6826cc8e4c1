package dev.moesaic.engine.quant;

import static dev.moesaic.engine.quant.Bytes.putShort;
import static dev.moesaic.engine.quant.Bytes.seg;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfRowsTest {
    private static int bf16(int floatBits) {
        return BF16Rows.toBits(Float.intBitsToFloat(floatBits)) & 0xffff;
    }

    @Test
    void bf16RoundsTheRawBitsToNearestEven() {
        assertThat(bf16(0x3f800000)).isEqualTo(0x3f80); // 1.0
        assertThat(bf16(0x3f808000)).isEqualTo(0x3f80); // tie, even stays
        assertThat(bf16(0x3f818000)).isEqualTo(0x3f82); // tie, odd rounds up
        assertThat(bf16(0x3f808001)).isEqualTo(0x3f81); // above the tie
        assertThat(bf16(0x3f807fff)).isEqualTo(0x3f80);
        assertThat(bf16(0xbfc00000)).isEqualTo(0xbfc0); // -1.5
        assertThat(bf16(0x80000000)).isEqualTo(0x8000); // -0.0
        assertThat(bf16(0x7f7fffff)).isEqualTo(0x7f80); // largest float overflows to inf
        assertThat(bf16(0x7f800000)).isEqualTo(0x7f80); // inf
        assertThat(bf16(0x00008000)).isEqualTo(0x0000); // subnormal tie: even
        assertThat(bf16(0x00018000)).isEqualTo(0x0002); // subnormals are kept, not flushed
    }

    @Test
    void bf16NaNsAreForcedQuietBySettingBit6() {
        assertThat(bf16(0x7f800001)).isEqualTo(0x7fc0);
        assertThat(bf16(0x7f810000)).isEqualTo(0x7fc1);
        assertThat(bf16(0xff800001)).isEqualTo(0xffc0);
        assertThat(bf16(0x7fffffff)).isEqualTo(0x7fff);
    }

    @Test
    void f16RoundsToNearestEvenAndQuietsNaN() {
        assertThat(F16Rows.toBits(65504f) & 0xffff).isEqualTo(0x7bff);
        assertThat(F16Rows.toBits(65520f) & 0xffff).isEqualTo(0x7c00); // tie with max: even -> inf
        assertThat(F16Rows.toBits(0x1p-24f) & 0xffff).isEqualTo(0x0001);
        assertThat(F16Rows.toBits(0x1p-25f) & 0xffff).isEqualTo(0x0000); // tie: even
        assertThat(F16Rows.toBits(3 * 0x1p-25f) & 0xffff).isEqualTo(0x0002);
        assertThat(F16Rows.toBits(Float.intBitsToFloat(0x7fffffff)) & 0xffff).isEqualTo(0x7e00);
        assertThat(F16Rows.toBits(Float.intBitsToFloat(0xff800001)) & 0xffff).isEqualTo(0xfe00);
    }

    @Test
    void dotsAccumulateInDouble() {
        // 2^24 + 1 + 1: summed in float the ones vanish (16777216), in double they survive (16777218).
        byte[] w = new byte[6];
        byte[] a = new byte[6];
        putShort(w, 0, 0x6800); // 2048
        putShort(w, 2, 0x3c00);
        putShort(w, 4, 0x3c00);
        putShort(a, 0, 0x7000); // 8192
        putShort(a, 2, 0x3c00);
        putShort(a, 4, 0x3c00);
        assertThat(F16Rows.dot(3, seg(w), 0, seg(a), 0)).isEqualTo(16777218f);
        putShort(w, 0, 0x4500); // bf16 2048
        putShort(w, 2, 0x3f80);
        putShort(w, 4, 0x3f80);
        putShort(a, 0, 0x4600); // bf16 8192
        putShort(a, 2, 0x3f80);
        putShort(a, 4, 0x3f80);
        assertThat(BF16Rows.dot(3, seg(w), 0, seg(a), 0)).isEqualTo(16777218f);
    }

    @Test
    void conversionsRoundTripThroughSegments() {
        float[] x = {1.5f, -0.333f, 65504f, 1e-8f, -0f};
        byte[] f16 = new byte[10];
        byte[] bf16 = new byte[10];
        F16Rows.quantize(x, 0, 5, seg(f16), 0);
        BF16Rows.quantize(x, 0, 5, seg(bf16), 0);
        float[] y = new float[5];
        F16Rows.dequantize(seg(f16), 0, 5, y, 0);
        assertThat(y).containsExactly(1.5f, Float.float16ToFloat(Float.floatToFloat16(-0.333f)), 65504f,
                Float.float16ToFloat(Float.floatToFloat16(1e-8f)), -0f);
        BF16Rows.dequantize(seg(bf16), 0, 5, y, 0);
        assertThat(y[0]).isEqualTo(1.5f);
        assertThat(y[1]).isEqualTo(Float.intBitsToFloat(0xbeaa0000)); // -0.333 = 0xbeaa7efa -> 0xbeaa
        assertThat(Float.floatToRawIntBits(y[4])).isEqualTo(0x80000000);
    }
}
