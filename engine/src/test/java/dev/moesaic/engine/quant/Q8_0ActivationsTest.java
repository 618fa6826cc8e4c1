package dev.moesaic.engine.quant;

import static dev.moesaic.engine.quant.Bytes.getShort;
import static dev.moesaic.engine.quant.Bytes.seg;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Q8_0ActivationsTest {
    private static byte[] quantize(float[] x) {
        byte[] out = new byte[34 * (x.length / 32)];
        Q8_0Activations.quantize(x, 0, x.length, seg(out), 0);
        return out;
    }

    @Test
    void roundsHalfToEvenLikeTheAvx2Path() {
        float[] x = new float[32];
        x[0] = 127f; // amax: id = 127 / 127 = 1, d = fp16(1)
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 3.5f;
        x[4] = -0.5f;
        x[5] = -127f;
        byte[] b = quantize(x);
        assertThat(getShort(b, 0)).isEqualTo(0x3c00);
        assertThat(b[2]).isEqualTo((byte) 127);
        assertThat(b[3]).isEqualTo((byte) 2);
        assertThat(b[4]).isEqualTo((byte) -2);
        assertThat(b[5]).isEqualTo((byte) 4);
        assertThat(b[6]).isEqualTo((byte) 0);
        assertThat(b[7]).isEqualTo((byte) -127);
    }

    @Test
    void differsFromTheWeightEncoderOnTies() {
        float[] x = new float[32];
        x[0] = 254f; // id = 0.5, d = 2
        x[1] = 5f;   // 2.5: activations -> 2, weight encoder -> 3
        x[2] = 7f;   // 3.5 -> 4 both
        byte[] act = quantize(x);
        byte[] ref = new byte[34];
        Q8_0Blocks.quantize(x, 0, 32, seg(ref), 0);
        assertThat(getShort(act, 0)).isEqualTo(0x4000);
        assertThat(act[3]).isEqualTo((byte) 2);
        assertThat(ref[3]).isEqualTo((byte) 3);
        assertThat(act[4]).isEqualTo((byte) 4);
        assertThat(ref[4]).isEqualTo((byte) 4);
    }

    @Test
    void multipliesBy127OverAmaxRatherThanByTheInverseOfTheScale() {
        // amax = 4.25: x * (127 / 4.25) = 3.4999998 -> 3, while x * (1 / (4.25 / 127)) = 3.5 -> 4.
        float[] x = new float[32];
        x[0] = 4.25f;
        x[1] = Float.intBitsToFloat(0x3defdfbf); // 0.11712598
        byte[] b = quantize(x);
        assertThat(b[2]).isEqualTo((byte) 127);
        assertThat(b[3]).isEqualTo((byte) 3);
    }

    @Test
    void allZeroBlockHasZeroScaleAndQuants() {
        byte[] b = new byte[34];
        java.util.Arrays.fill(b, (byte) 9);
        Q8_0Activations.quantize(new float[32], 0, 32, seg(b), 0);
        assertThat(b).containsOnly((byte) 0);
    }

    @Test
    void splitLayoutHoldsTheSameValuesAsTheBlockLayout() {
        Random rnd = new Random(1);
        float[] x = new float[96 + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        byte[] blocks = new byte[3 * 34];
        Q8_0Activations.quantize(x, 3, 96, seg(blocks), 0);
        byte[] qs = new byte[96 + 1];
        float[] d = new float[3 + 1];
        Q8_0Activations.quantize(x, 3, 96, qs, 1, d, 1);
        for (int b = 0; b < 3; b++) {
            assertThat(d[1 + b]).isEqualTo(Float.float16ToFloat((short) getShort(blocks, 34 * b)));
            for (int j = 0; j < 32; j++) {
                assertThat(qs[1 + 32 * b + j]).isEqualTo(blocks[34 * b + 2 + j]);
            }
        }
    }
}
