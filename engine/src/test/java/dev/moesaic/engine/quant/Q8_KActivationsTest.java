package dev.moesaic.engine.quant;

import static dev.moesaic.engine.quant.Bytes.getFloat;
import static dev.moesaic.engine.quant.Bytes.getShort;
import static dev.moesaic.engine.quant.Bytes.seg;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Q8_KActivationsTest {
    /** A hand-built block_q8_K: float d, 256 quants, and the 16 sums of 16 quants. */
    static byte[] block(float d, int[] q256) {
        byte[] b = new byte[292];
        Bytes.putFloat(b, 0, d);
        for (int i = 0; i < 256; i++) {
            b[4 + i] = (byte) q256[i];
        }
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int i = 0; i < 16; i++) {
                sum += q256[16 * g + i];
            }
            Bytes.putShort(b, 260 + 2 * g, sum);
        }
        return b;
    }

    private static byte[] quantize(float[] x) {
        byte[] out = new byte[292 * (x.length / 256)];
        Q8_KActivations.quantize(x, 0, x.length, seg(out), 0);
        return out;
    }

    @Test
    void negativeExtremeGivesPositiveScaleAndTiesGoToEven() {
        float[] x = new float[256];
        x[0] = -254f; // largest magnitude (first one wins): iscale = -127 / -254 = 0.5
        x[1] = 3f;    // 1.5 -> 2
        x[2] = 5f;    // 2.5 -> 2 (even)
        x[3] = -7f;   // -3.5 -> -4
        x[4] = 254f;  // same magnitude, later: 127
        x[17] = 1f;   // 0.5 -> 0
        byte[] b = quantize(x);
        assertThat(getFloat(b, 0)).isEqualTo(2f); // 1 / iscale
        assertThat(b[4]).isEqualTo((byte) -127);
        assertThat(b[5]).isEqualTo((byte) 2);
        assertThat(b[6]).isEqualTo((byte) 2);
        assertThat(b[7]).isEqualTo((byte) -4);
        assertThat(b[8]).isEqualTo((byte) 127);
        assertThat(b[4 + 17]).isEqualTo((byte) 0);
        assertThat(getShort(b, 260)).isEqualTo(-127 + 2 + 2 - 4 + 127);
        assertThat(getShort(b, 262)).isZero();
    }

    @Test
    void positiveExtremeGivesNegativeScale() {
        float[] x = new float[256];
        x[0] = 127f; // iscale = -1
        x[1] = -127f;
        x[2] = 2.5f; // -2.5 -> -2
        x[255] = 0.75f; // -0.75 -> -1
        byte[] b = quantize(x);
        assertThat(getFloat(b, 0)).isEqualTo(-1f);
        assertThat(b[4]).isEqualTo((byte) -127);
        assertThat(b[5]).isEqualTo((byte) 127);
        assertThat(b[6]).isEqualTo((byte) -2);
        assertThat(b[4 + 255]).isEqualTo((byte) -1);
        assertThat(getShort(b, 260 + 30)).isEqualTo(-1);
    }

    @Test
    void allZeroBlockHasZeroScaleQuantsAndSums() {
        byte[] b = new byte[292];
        java.util.Arrays.fill(b, (byte) 7);
        Q8_KActivations.quantize(new float[256], 0, 256, seg(b), 0);
        assertThat(b).containsOnly((byte) 0);
    }

    @Test
    void splitLayoutHoldsTheSameValuesAsTheBlockLayout() {
        Random rnd = new Random(3);
        float[] x = new float[512 + 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        byte[] blocks = new byte[2 * 292];
        Q8_KActivations.quantize(x, 5, 512, seg(blocks), 0);
        byte[] qs = new byte[512];
        float[] d = new float[2];
        short[] sums = new short[32];
        Q8_KActivations.quantize(x, 5, 512, qs, 0, d, 0, sums, 0);
        for (int b = 0; b < 2; b++) {
            assertThat(d[b]).isEqualTo(getFloat(blocks, 292 * b));
            for (int i = 0; i < 256; i++) {
                assertThat(qs[256 * b + i]).isEqualTo(blocks[292 * b + 4 + i]);
            }
            for (int g = 0; g < 16; g++) {
                assertThat((int) sums[16 * b + g]).isEqualTo(getShort(blocks, 292 * b + 260 + 2 * g));
            }
        }
    }

    @Test
    void quantizationErrorIsAtMostHalfAStep() {
        Random rnd = new Random(4);
        float[] x = new float[256];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 3);
        }
        byte[] b = quantize(x);
        float d = getFloat(b, 0);
        for (int i = 0; i < 256; i++) {
            assertThat(Math.abs(b[4 + i] * d - x[i])).isLessThanOrEqualTo(Math.abs(d) * 0.5f * 1.0001f);
        }
    }
}
