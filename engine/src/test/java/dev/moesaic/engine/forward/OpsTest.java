package dev.moesaic.engine.forward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.model.RopeStyle;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fast forms of the element-wise ops against their plain twins. */
class OpsTest {
    /** RoPE from a per-token angle table is bitwise RoPE computed per head. */
    @ParameterizedTest(name = "dims={0} style={1} base={2}")
    @CsvSource({"64,NEOX,1000000", "64,NORMAL,10000", "16,NEOX,10000", "2,NORMAL,500000"})
    void ropeFromAngleTableEqualsRopeBitwise(int ropeDims, RopeStyle style, float base) {
        Random rnd = new Random(ropeDims);
        int headDim = 64;
        float[] angles = new float[ropeDims];
        for (int pos : new int[] {0, 1, 7, 100, 4095, 70_000}) {
            float[] x = new float[3 * headDim];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] plain = x.clone();
            Ops.ropeAngles(pos, ropeDims, base, angles, 0);
            for (int h = 0; h < 3; h++) {
                Ops.rope(plain, h * headDim, pos, ropeDims, base, style);
                Ops.rope(x, h * headDim, angles, 0, ropeDims, style);
            }
            assertThat(x).as("position %d", pos).containsExactly(plain);
            assertThat(Arrays.equals(x, plain)).isTrue();
        }
    }
}
