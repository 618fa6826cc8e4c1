package dev.moesaic.engine.quant;

import static dev.moesaic.engine.quant.Bytes.bits;
import static dev.moesaic.engine.quant.Bytes.putShort;
import static dev.moesaic.engine.quant.Bytes.seg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Q4_0BlocksTest {
    /** One block: fp16 scale, byte j = element j (low nibble) | element j+16 (high nibble). */
    private static byte[] block(int fp16Scale, int[] nibbles32) {
        byte[] b = new byte[18];
        putShort(b, 0, fp16Scale);
        for (int j = 0; j < 16; j++) {
            b[2 + j] = (byte) (nibbles32[j] | nibbles32[j + 16] << 4);
        }
        return b;
    }

    private static int[] allNibbles() {
        int[] q = new int[32];
        for (int j = 0; j < 16; j++) {
            q[j] = j;
            q[j + 16] = 15 - j;
        }
        return q;
    }

    private static float[] decode(byte[] blocks, int n) {
        float[] out = new float[n + 2];
        Q4_0Blocks.dequantize(seg(blocks), 0, n, out, 1);
        return java.util.Arrays.copyOfRange(out, 1, n + 1);
    }

    @Test
    void everyNibbleValueDecodesToQMinus8TimesScale() {
        float[] y = decode(block(0x3800, allNibbles()), 32); // d = 0.5
        assertThat(y[0]).isEqualTo(-4.0f);  // q 0
        assertThat(y[8]).isEqualTo(0.0f);   // q 8
        assertThat(y[15]).isEqualTo(3.5f);  // q 15
        assertThat(y[16]).isEqualTo(3.5f);  // high nibble of byte 0 = 15
        assertThat(y[31]).isEqualTo(-4.0f); // high nibble of byte 15 = 0
        for (int j = 0; j < 16; j++) {
            assertThat(y[j]).isEqualTo((j - 8) * 0.5f);
            assertThat(y[j + 16]).isEqualTo((7 - j) * 0.5f);
        }
    }

    @Test
    void blocksAreConsecutiveWithTheirOwnScale() {
        byte[] two = new byte[36];
        System.arraycopy(block(0x3c00, allNibbles()), 0, two, 0, 18); // d = 1
        System.arraycopy(block(0xc000, allNibbles()), 0, two, 18, 18); // d = -2
        float[] y = decode(two, 64);
        assertThat(y[0]).isEqualTo(-8f);
        assertThat(y[32]).isEqualTo(16f);
        assertThat(y[32 + 15]).isEqualTo(-14f);
    }

    @Test
    void negativeZeroScaleKeepsTheSignRulesOfFloatMultiplication() {
        float[] y = decode(block(0x8000, allNibbles()), 32);
        assertThat(Float.floatToRawIntBits(y[0])).isEqualTo(0x00000000);  // -8 * -0.0 = +0.0
        assertThat(Float.floatToRawIntBits(y[8])).isEqualTo(0x80000000);  //  0 * -0.0 = -0.0
        assertThat(Float.floatToRawIntBits(y[9])).isEqualTo(0x80000000);  //  1 * -0.0 = -0.0
    }

    @Test
    void subnormalScaleIsExact() {
        float[] y = decode(block(0x0001, allNibbles()), 32); // d = 2^-24
        assertThat(y[15]).isEqualTo(7 * 0x1p-24f);
        assertThat(y[0]).isEqualTo(-8 * 0x1p-24f);
    }

    @Test
    void infiniteAndNaNScales() {
        float[] inf = decode(block(0x7c00, allNibbles()), 32);
        assertThat(inf[0]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(inf[8]).isNaN(); // 0 * inf
        assertThat(inf[9]).isEqualTo(Float.POSITIVE_INFINITY);
        float[] nan = decode(block(0x7e00, allNibbles()), 32);
        assertThat(bits(nan)).containsOnly(0x7fc00000);
    }

    @Test
    void referenceEncoderUsesTheSignedMaximumAndTruncatesAfterAddingEightAndAHalf() {
        float[] x = new float[32];
        x[0] = -8f;   // largest magnitude, negative: d = -8 / -8 = 1
        x[1] = 0.5f;  // 9.0 -> 9
        x[2] = -0.5f; // 8.0 -> 8
        x[3] = 7.4f;  // 15.9 -> 15
        x[4] = 7.6f;  // 16.1 -> 16 -> clamped 15
        x[5] = 0.49f; // 8.99 -> 8
        x[16] = 3f;   // high nibble of byte 0: 11.5 -> 11
        byte[] out = new byte[18];
        Q4_0Blocks.quantize(x, 0, 32, seg(out), 0);
        assertThat(Bytes.getShort(out, 0)).isEqualTo(0x3c00);
        assertThat(out[2] & 0xff).isEqualTo(0 | 11 << 4);
        assertThat(out[3] & 0xf).isEqualTo(9);
        assertThat(out[4] & 0xf).isEqualTo(8);
        assertThat(out[5] & 0xf).isEqualTo(15);
        assertThat(out[6] & 0xf).isEqualTo(15);
        assertThat(out[7] & 0xf).isEqualTo(8);
        assertThat(out[8] & 0xf).isEqualTo(8); // zeros -> 8
    }

    @Test
    void referenceEncoderWithPositiveMaximumHasNegativeScale() {
        float[] x = new float[32];
        x[0] = 8f;  // d = 8 / -8 = -1, id = -1: 8 -> -8 + 8.5 = 0.5 -> 0
        x[1] = -8f; // 8 + 8.5 = 16.5 -> 16 -> 15
        x[2] = 1f;  // -1 + 8.5 = 7.5 -> 7
        byte[] out = new byte[18];
        Q4_0Blocks.quantize(x, 0, 32, seg(out), 0);
        assertThat(Bytes.getShort(out, 0) & 0xffff).isEqualTo(0xbc00); // -1
        assertThat(out[2] & 0xf).isEqualTo(0);
        assertThat(out[3] & 0xf).isEqualTo(15);
        assertThat(out[4] & 0xf).isEqualTo(7);
    }

    @Test
    void allZeroBlockEncodesAsNegativeZeroScaleAndEights() {
        byte[] out = new byte[18];
        Q4_0Blocks.quantize(new float[32], 0, 32, seg(out), 0);
        assertThat(Bytes.getShort(out, 0) & 0xffff).isEqualTo(0x8000); // d = 0 / -8 = -0.0
        for (int j = 0; j < 16; j++) {
            assertThat(out[2 + j] & 0xff).isEqualTo(0x88);
        }
    }

    @Test
    void dotWithQ8_0ActivationsIsTheScaledIntegerSum() {
        int[] ones = new int[32];
        java.util.Arrays.fill(ones, 9); // value (9 - 8) * d
        byte[] w = block(0x3800, ones); // d = 0.5
        byte[] a = new byte[34];
        putShort(a, 0, 0x4000); // d = 2
        for (int j = 0; j < 32; j++) {
            a[2 + j] = (byte) (j + 1 - 16);
        }
        // sum over j of 1 * (j - 15) = 528 - 32*16 = 16; times 0.5 * 2
        assertThat(Q4_0Blocks.dot(32, seg(w), 0, seg(a), 0)).isEqualTo(16f);
        int[] q = allNibbles();
        byte[] w2 = block(0x3c00, q);
        float expected = 0;
        for (int j = 0; j < 32; j++) {
            expected += (q[j] - 8) * (j - 15);
        }
        assertThat(Q4_0Blocks.dot(32, seg(w2), 0, seg(a), 0)).isEqualTo(expected * 2f);
    }

    @Test
    void rejectsLengthsThatAreNotWholeBlocks() {
        assertThatThrownBy(() -> Q4_0Blocks.dequantize(seg(new byte[18]), 0, 31, new float[31], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 32");
    }
}
