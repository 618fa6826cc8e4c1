package dev.moesaic.engine.quant;

import static dev.moesaic.engine.quant.Bytes.putShort;
import static dev.moesaic.engine.quant.Bytes.seg;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Q4_KBlocksTest {
    private static final int[] SC = {1, 17, 33, 63, 40, 5, 62, 31};
    private static final int[] MIN = {0, 63, 2, 45, 33, 16, 48, 1};

    /**
     * The 12 scale bytes as the format describes them: bytes 0-3 carry scales 0-3 in their low 6
     * bits, bytes 4-7 mins 0-3; bytes 8-11 carry the low 4 bits of scales 4-7 (low nibble) and mins
     * 4-7 (high nibble); the top 2 bits of scales/mins 4-7 sit in the top bits of bytes 0-3 / 4-7.
     */
    static byte[] packScales(int[] sc, int[] m) {
        byte[] p = new byte[12];
        for (int j = 0; j < 4; j++) {
            p[j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
            p[j + 4] = (byte) (m[j] | (m[j + 4] >> 4) << 6);
            p[j + 8] = (byte) ((sc[j + 4] & 15) | (m[j + 4] & 15) << 4);
        }
        return p;
    }

    /** A super-block from per-element 4-bit quants (element order) and per-sub-block scales/mins. */
    static byte[] block(int d, int dmin, int[] sc, int[] m, int[] q256) {
        byte[] b = new byte[144];
        putShort(b, 0, d);
        putShort(b, 2, dmin);
        System.arraycopy(packScales(sc, m), 0, b, 4, 12);
        for (int i = 0; i < 256; i++) {
            int chunk = i / 64;
            int k = i % 64;
            int at = 16 + 32 * chunk + k % 32;
            b[at] |= (byte) (k < 32 ? q256[i] : q256[i] << 4);
        }
        return b;
    }

    private static int[] quants() {
        int[] q = new int[256];
        for (int i = 0; i < 256; i++) {
            q[i] = (i * 7 + 3) % 16;
        }
        return q;
    }

    @Test
    void decodesScaleTimesQuantMinusMinPerSubBlock() {
        int[] q = quants();
        byte[] b = block(0x3c00, 0x3800, SC, MIN, q); // d = 1, dmin = 0.5
        float[] y = new float[256];
        Q4_KBlocks.dequantize(seg(b), 0, 256, y, 0);
        assertThat(y[0]).isEqualTo(1 * 3 - 0f);          // sub-block 0: sc 1, m 0, q 3
        assertThat(y[32]).isEqualTo(17 * 3 - 31.5f);     // sub-block 1: q[32] = (224 + 3) % 16 = 3
        assertThat(y[255]).isEqualTo(31 * 12 - 0.5f);    // sub-block 7: sc 31, m 1, q (1785 + 3) % 16 = 12
        for (int i = 0; i < 256; i++) {
            int s = i / 32;
            assertThat(y[i]).as("element %d", i).isEqualTo(SC[s] * q[i] - 0.5f * MIN[s]);
        }
    }

    @Test
    void everySixBitValueIsReadBackAtEverySubBlockPosition() {
        for (int j = 0; j < 8; j++) {
            for (int v = 0; v < 64; v++) {
                int[] sc = SC.clone();
                int[] m = MIN.clone();
                sc[j] = v;
                m[j] = 63 - v;
                byte[] packed = packScales(sc, m);
                for (int k = 0; k < 8; k++) {
                    assertThat(Q4_KBlocks.scale(seg(packed), 0, k)).as("scale %d with scale %d = %d", k, j, v).isEqualTo(sc[k]);
                    assertThat(Q4_KBlocks.min(seg(packed), 0, k)).as("min %d with min %d = %d", k, j, 63 - v).isEqualTo(m[k]);
                }
            }
        }
    }

    @Test
    void specialSuperBlockScales() {
        int[] q = quants();
        float[] y = new float[256];
        Q4_KBlocks.dequantize(seg(block(0x8000, 0x0000, SC, MIN, q)), 0, 256, y, 0); // d = -0.0, dmin = +0
        // (-0 * sc) * q - 0 * m: a product with a zero quant is -0.0, and -0.0 - (+0.0) stays -0.0
        assertThat(Float.floatToRawIntBits(y[0])).isEqualTo(0x80000000);
        Q4_KBlocks.dequantize(seg(block(0x3c00, 0x0001, SC, MIN, q)), 0, 256, y, 0); // dmin = 2^-24
        assertThat(y[32]).isEqualTo(17 * 3 - 63 * 0x1p-24f);
        Q4_KBlocks.dequantize(seg(block(0x7c00, 0x3c00, SC, MIN, q)), 0, 256, y, 0); // d = inf
        assertThat(y[1]).isEqualTo(Float.POSITIVE_INFINITY);
        int[] zeroQ = new int[256];
        Q4_KBlocks.dequantize(seg(block(0x7c00, 0x3c00, SC, MIN, zeroQ)), 0, 256, y, 0);
        assertThat(y[0]).isNaN(); // inf * 0
        Q4_KBlocks.dequantize(seg(block(0x3c00, 0xfe00, SC, MIN, q)), 0, 256, y, 0); // dmin NaN
        assertThat(y[100]).isNaN();
    }

    @Test
    void dotWithHandBuiltQ8_KActivationsIsExact() {
        Random rnd = new Random(5);
        int[] q = new int[512];
        int[] x = new int[512];
        for (int i = 0; i < 512; i++) {
            q[i] = rnd.nextInt(16);
            x[i] = rnd.nextInt(255) - 127;
        }
        int[] ones = {1, 1, 1, 1, 1, 1, 1, 1};
        int[] mins = {0, 1, 2, 3, 0, 1, 2, 3};
        byte[] w = new byte[288];
        System.arraycopy(block(0x3c00, 0x3c00, ones, mins, java.util.Arrays.copyOfRange(q, 0, 256)), 0, w, 0, 144);
        System.arraycopy(block(0x3c00, 0x3c00, ones, mins, java.util.Arrays.copyOfRange(q, 256, 512)), 0, w, 144, 144);
        byte[] a = Q8_KActivationsTest.block(1f, java.util.Arrays.copyOfRange(x, 0, 256));
        byte[] a2 = Q8_KActivationsTest.block(1f, java.util.Arrays.copyOfRange(x, 256, 512));
        byte[] act = new byte[2 * 292];
        System.arraycopy(a, 0, act, 0, 292);
        System.arraycopy(a2, 0, act, 292, 292);
        long expected = 0;
        for (int i = 0; i < 512; i++) {
            expected += (long) (q[i] - mins[(i % 256) / 32]) * x[i];
        }
        assertThat(Q4_KBlocks.dot(512, seg(w), 0, seg(act), 0)).isEqualTo((float) expected);
    }

    @Test
    void referenceEncoderPicksTheNearestLevelOfTheStoredScales() {
        Random rnd = new Random(11);
        float[] x = new float[1024];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * (1 + i / 256)) + (i % 3 == 0 ? 0.3f : 0f);
        }
        byte[] out = new byte[4 * 144];
        Q4_KBlocks.quantize(x, 0, x.length, seg(out), 0);
        float[] y = new float[x.length];
        Q4_KBlocks.dequantize(seg(out), 0, x.length, y, 0);
        double err = 0;
        double energy = 0;
        for (int b = 0; b < 4; b++) {
            float d = Float.float16ToFloat((short) Bytes.getShort(out, b * 144));
            float dmin = Float.float16ToFloat((short) Bytes.getShort(out, b * 144 + 2));
            for (int s = 0; s < 8; s++) {
                float d1 = d * Q4_KBlocks.scale(seg(out), b * 144 + 4, s);
                float m1 = dmin * Q4_KBlocks.min(seg(out), b * 144 + 4, s);
                assertThat(d1).isPositive();
                for (int l = 0; l < 32; l++) {
                    int i = b * 256 + s * 32 + l;
                    double best = Double.MAX_VALUE;
                    for (int level = 0; level < 16; level++) {
                        best = Math.min(best, Math.abs(x[i] - (d1 * level - m1)));
                    }
                    assertThat((double) Math.abs(x[i] - y[i])).as("element %d", i).isLessThanOrEqualTo(best + 1e-5 * d1);
                    err += (x[i] - y[i]) * (x[i] - y[i]);
                    energy += x[i] * x[i];
                }
            }
        }
        assertThat(Math.sqrt(err / energy)).isLessThan(0.12);
    }

    @Test
    void referenceEncoderStoresAnAllZeroBlockAsZeros() {
        byte[] out = new byte[144];
        java.util.Arrays.fill(out, (byte) 0x55);
        Q4_KBlocks.quantize(new float[256], 0, 256, seg(out), 0);
        assertThat(out).containsOnly((byte) 0);
    }
}
