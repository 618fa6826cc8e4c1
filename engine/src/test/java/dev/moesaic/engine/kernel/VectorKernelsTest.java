package dev.moesaic.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential tests of {@link VectorKernels}: against the plain double-precision twin
 * ({@link PlainQuant}) for every type now, against the shared scalar reference ({@link Kernels#reference()})
 * where it implements the type, and bitwise batch invariance over M, row position and thread count.
 */
class VectorKernelsTest {
    private static final int[] THREADS = {1, 2, 3};
    private static ComputeLane[] lanes;
    private static VectorKernels[] kernels;

    @BeforeAll
    static void startLanes() {
        lanes = new ComputeLane[THREADS.length];
        kernels = new VectorKernels[THREADS.length];
        for (int t = 0; t < THREADS.length; t++) {
            lanes[t] = ComputeLane.create("test-" + THREADS[t], THREADS[t]);
            kernels[t] = new VectorKernels(lanes[t]);
        }
    }

    @AfterAll
    static void stopLanes() {
        for (ComputeLane l : lanes) {
            l.close();
        }
    }

    /** Shapes per type: odd sizes where the type allows them. */
    static int[][] shapes(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16 -> new int[][] {{1, 1}, {5, 7}, {17, 33}, {67, 100}, {9, 257}};
            case Q8_0, Q4_0 -> new int[][] {{1, 32}, {7, 96}, {67, 160}, {13, 512}};
            case Q4_K, Q6_K -> new int[][] {{1, 256}, {7, 512}, {19, 768}};
        };
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (GgmlType type : GgmlType.values()) {
            for (int[] s : shapes(type)) {
                for (int m : new int[] {1, 2, 7, 64}) {
                    out.add(Arguments.of(type, s[0], s[1], m));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} rows={1} cols={2} m={3}")
    @MethodSource("cases")
    void matchesPlainTwinAndIsBatchInvariantAcrossThreadCounts(GgmlType type, int rows, int cols, int m) {
        Tensor w = TestTensors.random(type, rows, cols, 31L * rows + cols);
        float[] x = TestTensors.activations(m, cols, 7L * m + cols);
        float[] first = null;
        for (VectorKernels k : kernels) {
            float[] out = new float[m * rows];
            k.matmul(w, x, m, out);
            if (first == null) {
                first = out;
                assertCloseToPlain(w, x, m, out);
            } else {
                assertThat(out).as("%s with %d threads vs 1 thread", type, k.lane().threads()).isEqualTo(first);
            }
        }
    }

    private static void assertCloseToPlain(Tensor w, float[] x, int m, float[] out) {
        int rows = w.rows();
        int cols = w.cols();
        for (int i = 0; i < m; i++) {
            float[] xi = TestTensors.row(x, i, cols);
            for (int r = 0; r < rows; r++) {
                PlainQuant.Dot d = PlainQuant.dot(w, r, xi);
                double tol = 1e-5 * d.magnitude() + 1e-30;
                assertThat((double) out[i * rows + r]).as("%s out[%d][%d]", w.type(), i, r)
                        .isCloseTo(d.value(), org.assertj.core.data.Offset.offset(tol));
            }
        }
    }

    static Stream<Arguments> invarianceCases() {
        List<Arguments> out = new ArrayList<>();
        for (GgmlType type : GgmlType.values()) {
            int[][] s = shapes(type);
            int[] big = s[s.length - 1];
            out.add(Arguments.of(type, big[0], big[1]));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} rows={1} cols={2}")
    @MethodSource("invarianceCases")
    void rowComputedAloneEqualsRowComputedInBatchOf64Bitwise(GgmlType type, int rows, int cols) {
        Tensor w = TestTensors.random(type, rows, cols, 5);
        int m = 64;
        float[] x = TestTensors.activations(m, cols, 11);
        for (VectorKernels k : kernels) {
            float[] batch = new float[m * rows];
            k.matmul(w, x, m, batch);
            for (int i : new int[] {0, 1, 2, 3, 5, 30, 62, 63}) {
                float[] alone = new float[rows];
                k.matmul(w, TestTensors.row(x, i, cols), 1, alone);
                assertThat(alone).as("%s row %d alone vs in M=64, %d threads", type, i, k.lane().threads())
                        .isEqualTo(Arrays.copyOfRange(batch, i * rows, (i + 1) * rows));
            }
            // a row at another position of a batch of another size
            float[] three = new float[3 * cols];
            System.arraycopy(x, 40 * cols, three, 2 * cols, cols);
            System.arraycopy(x, 0, three, 0, 2 * cols);
            float[] out3 = new float[3 * rows];
            k.matmul(w, three, 3, out3);
            assertThat(Arrays.copyOfRange(out3, 2 * rows, 3 * rows)).as("%s row 40 as row 2 of M=3", type)
                    .isEqualTo(Arrays.copyOfRange(batch, 40 * rows, 41 * rows));
        }
    }

    @ParameterizedTest(name = "{0} rows={1} cols={2} m={3}")
    @MethodSource("cases")
    void matchesSharedScalarReference(GgmlType type, int rows, int cols, int m) {
        Tensor w = TestTensors.random(type, rows, cols, 31L * rows + cols);
        float[] x = TestTensors.activations(m, cols, 7L * m + cols);
        float[] ref = new float[m * rows];
        try {
            Kernels.reference().matmul(w, x, m, ref);
        } catch (UnsupportedOperationException e) {
            assumeTrue(false, "needs the real QuantizedReference for " + type
                    + " (still a stub on this branch: " + e.getMessage() + "); runs once it is merged");
        }
        float[] out = new float[m * rows];
        kernels[1].matmul(w, x, m, out);
        for (int i = 0; i < m; i++) {
            float[] xi = TestTensors.row(x, i, cols);
            for (int r = 0; r < rows; r++) {
                double tol = 1e-5 * PlainQuant.dot(w, r, xi).magnitude() + 1e-30;
                assertThat((double) out[i * rows + r]).as("%s out[%d][%d] vs reference", type, i, r)
                        .isCloseTo(ref[i * rows + r], org.assertj.core.data.Offset.offset(tol));
            }
        }
    }

    @Test
    void rejectsStackedExpertsAndShortArrays() {
        Tensor w = TestTensors.random(GgmlType.F32, 4, 8, 1);
        Tensor stacked = new Tensor("experts", GgmlType.F32, new long[] {8, 2, 2}, w.data());
        VectorKernels k = kernels[0];
        assertThatThrownBy(() -> k.matmul(stacked, new float[8], 1, new float[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("w.matrix(e)");
        assertThatThrownBy(() -> k.matmul(w, new float[7], 1, new float[4]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x has 7 floats");
        assertThatThrownBy(() -> k.matmul(w, new float[8], 1, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out has 3 floats");
    }

    static Stream<Arguments> fusedCases() {
        List<Arguments> out = new ArrayList<>();
        for (GgmlType type : GgmlType.values()) {
            int cols = shapes(type)[1][1];
            for (int m : new int[] {1, 3, 16}) {
                out.add(Arguments.of(type, cols, m));
            }
        }
        return out.stream();
    }

    /** The fused job (Q/K/V, gate+up) gives bitwise each matrix's own matmul, on every thread count. */
    @ParameterizedTest(name = "{0} cols={1} m={2}")
    @MethodSource("fusedCases")
    void matmulEachEqualsSeparateMatmulsBitwise(GgmlType type, int cols, int m) {
        Tensor[] w = {TestTensors.random(type, 37, cols, 1), TestTensors.random(type, 8, cols, 2), TestTensors.random(type, 5, cols, 3)};
        float[] x = TestTensors.activations(m, cols, 11L * m);
        for (VectorKernels k : kernels) {
            float[][] fused = new float[w.length][];
            for (int j = 0; j < w.length; j++) {
                fused[j] = new float[m * w[j].rows()];
            }
            k.matmulEach(w, x, m, fused);
            for (int j = 0; j < w.length; j++) {
                float[] alone = new float[m * w[j].rows()];
                k.matmul(w[j], x, m, alone);
                assertThat(fused[j]).as("%s matrix %d on %d threads", type, j, k.lane().threads()).containsExactly(alone);
            }
        }
    }

    /** Matrices whose activations are prepared differently (Q4_0 next to F32) still give each matmul's bits. */
    @Test
    void matmulEachOverMixedTypesFallsBackToSeparateJobs() {
        Tensor[] w = {TestTensors.random(GgmlType.Q4_0, 9, 64, 4), TestTensors.random(GgmlType.F32, 6, 64, 5),
                TestTensors.random(GgmlType.Q8_0, 3, 64, 6)};
        float[] x = TestTensors.activations(2, 64, 9);
        float[][] fused = {new float[18], new float[12], new float[6]};
        kernels[1].matmulEach(w, x, 2, fused);
        for (int j = 0; j < w.length; j++) {
            float[] alone = new float[2 * w[j].rows()];
            kernels[1].matmul(w[j], x, 2, alone);
            assertThat(fused[j]).as("matrix %d", j).containsExactly(alone);
        }
    }
}
