package dev.moesaic.engine.quant;

import static dev.moesaic.engine.quant.Bytes.putShort;
import static dev.moesaic.engine.quant.Bytes.seg;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Q8_0BlocksTest {
    @Test
    void everyByteValueDecodesToQTimesScale() {
        byte[] b = new byte[8 * 34]; // 256 values: all bytes -128..127
        for (int blk = 0; blk < 8; blk++) {
            putShort(b, blk * 34, 0x3400); // d = 0.25
            for (int j = 0; j < 32; j++) {
                b[blk * 34 + 2 + j] = (byte) (blk * 32 + j - 128);
            }
        }
        float[] y = new float[256];
        Q8_0Blocks.dequantize(seg(b), 0, 256, y, 0);
        assertThat(y[0]).isEqualTo(-32f);
        assertThat(y[128]).isEqualTo(0f);
        assertThat(y[255]).isEqualTo(31.75f);
        for (int i = 0; i < 256; i++) {
            assertThat(y[i]).isEqualTo((i - 128) * 0.25f);
        }
    }

    @Test
    void specialScales() {
        byte[] b = new byte[34];
        b[2] = -1;
        b[3] = 0;
        b[4] = 1;
        float[] y = new float[32];
        putShort(b, 0, 0x8000); // -0.0
        Q8_0Blocks.dequantize(seg(b), 0, 32, y, 0);
        assertThat(Float.floatToRawIntBits(y[0])).isEqualTo(0x00000000);
        assertThat(Float.floatToRawIntBits(y[1])).isEqualTo(0x80000000);
        assertThat(Float.floatToRawIntBits(y[2])).isEqualTo(0x80000000);
        putShort(b, 0, 0x03ff); // largest subnormal: 1023 * 2^-24
        Q8_0Blocks.dequantize(seg(b), 0, 32, y, 0);
        assertThat(y[0]).isEqualTo(-1023 * 0x1p-24f);
        putShort(b, 0, 0xfc00); // -inf
        Q8_0Blocks.dequantize(seg(b), 0, 32, y, 0);
        assertThat(y[0]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[1]).isNaN();
        assertThat(y[2]).isEqualTo(Float.NEGATIVE_INFINITY);
        putShort(b, 0, 0x7d00); // a NaN
        Q8_0Blocks.dequantize(seg(b), 0, 32, y, 0);
        for (float v : y) {
            assertThat(v).isNaN();
        }
    }

    @Test
    void referenceEncoderRoundsTiesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f;   // amax: d = 1, id = 1
        x[1] = 2.5f;   // -> 3 (ties away from zero)
        x[2] = -2.5f;  // -> -3
        x[3] = 0.49999997f; // just below a half -> 0
        x[4] = -127f;
        byte[] out = new byte[34];
        Q8_0Blocks.quantize(x, 0, 32, seg(out), 0);
        assertThat(Bytes.getShort(out, 0)).isEqualTo(0x3c00);
        assertThat(out[2]).isEqualTo((byte) 127);
        assertThat(out[3]).isEqualTo((byte) 3);
        assertThat(out[4]).isEqualTo((byte) -3);
        assertThat(out[5]).isEqualTo((byte) 0);
        assertThat(out[6]).isEqualTo((byte) -127);
    }

    @Test
    void referenceEncoderScaleIsAmaxOver127RoundedToHalf() {
        float[] x = new float[32];
        x[7] = -1f; // amax 1: d = 1/127 = 0.007874016 -> fp16 0x2008 (0.0078735...)
        x[8] = 0.25f; // 0.25 * (1/d) = 31.75 -> 32
        byte[] out = new byte[34];
        Q8_0Blocks.quantize(x, 0, 32, seg(out), 0);
        assertThat(Bytes.getShort(out, 0)).isEqualTo(0x2008);
        assertThat(out[2 + 7]).isEqualTo((byte) -127);
        assertThat(out[2 + 8]).isEqualTo((byte) 32);
    }

    @Test
    void dotIsTheIntegerSumTimesTheProductOfScales() {
        byte[] w = new byte[68];
        byte[] a = new byte[68];
        putShort(w, 0, 0x3800);  // 0.5
        putShort(w, 34, 0x4400); // 4
        putShort(a, 0, 0x4000);  // 2
        putShort(a, 34, 0x3400); // 0.25
        int s0 = 0;
        int s1 = 0;
        for (int j = 0; j < 32; j++) {
            w[2 + j] = (byte) (j - 16);
            a[2 + j] = (byte) (3 - j);
            w[36 + j] = (byte) (127 - j);
            a[36 + j] = (byte) (-128 + j);
            s0 += (j - 16) * (3 - j);
            s1 += (127 - j) * (-128 + j);
        }
        assertThat(Q8_0Blocks.dot(64, seg(w), 0, seg(a), 0)).isEqualTo(s0 * (0.5f * 2f) + s1 * (4f * 0.25f));
    }
}
