package dev.moesaic.engine.quant;

import static dev.moesaic.engine.quant.Bytes.putShort;
import static dev.moesaic.engine.quant.Bytes.seg;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Q6_KBlocksTest {
    private static final int[] SCALES = {-128, -1, 0, 1, 127, 64, -64, 3, 5, -7, 9, 11, -13, 15, 17, -19};

    /**
     * A super-block from per-element 6-bit quants (0..63, element order), as the format describes:
     * in each half of 128, for l < 32, ql[l] = low nibbles of elements l (low) and l+64 (high),
     * ql[l+32] those of l+32 and l+96, qh[l] = high 2 bits of l, l+32, l+64, l+96 at bits 0, 2, 4, 6.
     */
    static byte[] block(int d, int[] scales, int[] q256) {
        byte[] b = new byte[210];
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int q1 = q256[128 * h + l];
                int q2 = q256[128 * h + l + 32];
                int q3 = q256[128 * h + l + 64];
                int q4 = q256[128 * h + l + 96];
                b[64 * h + l] = (byte) ((q1 & 15) | (q3 & 15) << 4);
                b[64 * h + l + 32] = (byte) ((q2 & 15) | (q4 & 15) << 4);
                b[128 + 32 * h + l] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
        for (int s = 0; s < 16; s++) {
            b[192 + s] = (byte) scales[s];
        }
        putShort(b, 208, d);
        return b;
    }

    private static int[] quants() {
        int[] q = new int[256];
        for (int i = 0; i < 256; i++) {
            q[i] = (i * 37 + 11) % 64; // 37 is odd: every 64 consecutive elements take all 64 values
        }
        return q;
    }

    @Test
    void decodesScaleTimesSignedQuant() {
        int[] q = quants();
        float[] y = new float[256];
        Q6_KBlocks.dequantize(seg(block(0x3800, SCALES, q)), 0, 256, y, 0); // d = 0.5
        assertThat(y[0]).isEqualTo(0.5f * -128 * (11 - 32));  // 1344
        assertThat(y[16]).isEqualTo(0.5f * -1 * ((16 * 37 + 11) % 64 - 32));
        assertThat(y[255]).isEqualTo(0.5f * -19 * ((255 * 37 + 11) % 64 - 32));
        for (int i = 0; i < 256; i++) {
            assertThat(y[i]).as("element %d", i).isEqualTo(0.5f * SCALES[i / 16] * (q[i] - 32));
        }
    }

    @Test
    void specialScales() {
        int[] q = quants();
        float[] y = new float[256];
        Q6_KBlocks.dequantize(seg(block(0x8000, SCALES, q)), 0, 256, y, 0); // d = -0.0
        // (-0 * -128) * (11 - 32) = +0 * -21 = -0.0
        assertThat(Float.floatToRawIntBits(y[0])).isEqualTo(0x80000000);
        Q6_KBlocks.dequantize(seg(block(0x0001, SCALES, q)), 0, 256, y, 0); // 2^-24
        assertThat(y[0]).isEqualTo(0x1p-24f * -128 * -21);
        Q6_KBlocks.dequantize(seg(block(0xfc00, SCALES, q)), 0, 256, y, 0); // -inf
        assertThat(y[0]).isEqualTo(Float.NEGATIVE_INFINITY); // (-inf * -128) * -21
        assertThat(y[32]).isNaN(); // scale index 2 is 0
    }

    @Test
    void dotWithHandBuiltQ8_KActivationsIsExact() {
        Random rnd = new Random(9);
        int[] q = new int[256];
        int[] x = new int[256];
        for (int i = 0; i < 256; i++) {
            q[i] = rnd.nextInt(64);
            x[i] = rnd.nextInt(256) - 128;
        }
        int[] scales = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16};
        byte[] w = block(0x3c00, scales, q);
        byte[] a = Q8_KActivationsTest.block(0.5f, x);
        long expected = 0;
        for (int i = 0; i < 256; i++) {
            expected += (long) scales[i / 16] * (q[i] - 32) * x[i];
        }
        assertThat(Q6_KBlocks.dot(256, seg(w), 0, seg(a), 0)).isEqualTo(expected * 0.5f);
    }

    @Test
    void referenceEncoderPicksTheNearestLevelOfTheStoredScales() {
        Random rnd = new Random(12);
        float[] x = new float[768];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * (1 + i / 256));
        }
        byte[] out = new byte[3 * 210];
        Q6_KBlocks.quantize(x, 0, x.length, seg(out), 0);
        float[] y = new float[x.length];
        Q6_KBlocks.dequantize(seg(out), 0, x.length, y, 0);
        double err = 0;
        double energy = 0;
        for (int b = 0; b < 3; b++) {
            float d = Float.float16ToFloat((short) Bytes.getShort(out, b * 210 + 208));
            for (int s = 0; s < 16; s++) {
                float ds = d * out[b * 210 + 192 + s];
                for (int l = 0; l < 16; l++) {
                    int i = b * 256 + s * 16 + l;
                    double best = Double.MAX_VALUE;
                    for (int level = -32; level < 32; level++) {
                        best = Math.min(best, Math.abs(x[i] - ds * level));
                    }
                    assertThat((double) Math.abs(x[i] - y[i])).as("element %d", i).isLessThanOrEqualTo(best + 1e-5 * Math.abs(ds));
                    err += (x[i] - y[i]) * (x[i] - y[i]);
                    energy += x[i] * x[i];
                }
            }
        }
        assertThat(Math.sqrt(err / energy)).isLessThan(0.03);
    }

    @Test
    void referenceEncoderStoresAnAllZeroBlockAsZeros() {
        byte[] out = new byte[210];
        java.util.Arrays.fill(out, (byte) 0x55);
        Q6_KBlocks.quantize(new float[256], 0, 256, seg(out), 0);
        assertThat(out).containsOnly((byte) 0);
    }
}
