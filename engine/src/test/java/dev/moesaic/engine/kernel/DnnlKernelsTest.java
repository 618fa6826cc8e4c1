package dev.moesaic.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import dev.moesaic.nativebind.dnnl.Dnnl;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link DnnlKernels} against the plain twin; thread-count invariance; batch invariance measured and reported. */
class DnnlKernelsTest {
    private static ComputeLane one;
    private static ComputeLane three;
    private static DnnlKernels k1;
    private static DnnlKernels k3;

    @BeforeAll
    static void start() {
        assumeTrue(Dnnl.isAvailable(), "oneDNN (JavaCPP) does not load on this platform");
        one = ComputeLane.create("dnnl-1", 1);
        three = ComputeLane.create("dnnl-3", 3);
        k1 = new DnnlKernels(one, false, 32);
        k3 = new DnnlKernels(three, false, 32);
    }

    @AfterAll
    static void stop() {
        if (k1 != null) {
            k1.close();
            k3.close();
            one.close();
            three.close();
        }
    }

    @ParameterizedTest(name = "{0} rows={1} cols={2} m={3}")
    @CsvSource({"F32,1,1,1", "F32,5,7,2", "F32,67,100,7", "F32,100,257,64", "BF16,17,33,2", "BF16,67,100,7",
            "BF16,9,257,64", "Q4_0,13,512,7", "Q8_0,7,96,2"})
    void matchesPlainTwinAndDoesNotDependOnThreadCount(GgmlType type, int rows, int cols, int m) {
        Tensor w = TestTensors.random(type, rows, cols, rows * 31L + cols);
        float[] x = TestTensors.activations(m, cols, m * 7L + cols);
        float[] a = new float[m * rows];
        float[] b = new float[m * rows];
        k1.matmul(w, x, m, a);
        k3.matmul(w, x, m, b);
        assertThat(b).as("3 threads vs 1").isEqualTo(a);
        for (int i = 0; i < m; i++) {
            float[] xi = TestTensors.row(x, i, cols);
            for (int r = 0; r < rows; r++) {
                PlainQuant.Dot d = PlainQuant.dot(w, r, xi);
                assertThat((double) a[i * rows + r]).as("%s out[%d][%d]", type, i, r)
                        .isCloseTo(d.value(), within(1e-5 * d.magnitude() + 1e-30));
            }
        }
    }

    /**
     * Measures whether a row's output depends on the batch it is computed in. Prints the finding and
     * the implementation oneDNN chose; asserts only that every variant stays within tolerance, since
     * bitwise equality is not something oneDNN promises (DnnlKernels is documented as not invariant).
     */
    @Test
    void batchInvarianceIsMeasuredAndReported() {
        int rows = 256;
        int cols = 1024;
        Tensor w = TestTensors.random(GgmlType.F32, rows, cols, 3);
        int m = 64;
        float[] x = TestTensors.activations(m, cols, 4);
        float[] batch = new float[m * rows];
        k1.matmul(w, x, m, batch);
        int differing = 0;
        double worst = 0;
        for (int i = 0; i < m; i += 9) {
            float[] alone = new float[rows];
            k1.matmul(w, TestTensors.row(x, i, cols), 1, alone);
            float[] inBatch = Arrays.copyOfRange(batch, i * rows, (i + 1) * rows);
            if (!Arrays.equals(alone, inBatch)) {
                differing++;
            }
            for (int r = 0; r < rows; r++) {
                worst = Math.max(worst, Math.abs(alone[r] - inBatch[r]) / (Math.abs(inBatch[r]) + 1e-6));
                assertThat(alone[r]).isCloseTo(inBatch[r], within(1e-4f * (1 + Math.abs(inBatch[r]))));
            }
        }
        System.out.printf("oneDNN batch invariance: %d of 8 sampled rows differ bitwise between M=1 and M=64 "
                        + "(worst relative difference %.2e); implementation M=1: %s, M=64: %s%n", differing, worst,
                k1.implementation(w, 1), k1.implementation(w, 64));
    }
}
