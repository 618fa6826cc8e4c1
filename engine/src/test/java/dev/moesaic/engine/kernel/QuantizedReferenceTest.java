package dev.moesaic.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.engine.quant.ActivationFormat;
import dev.moesaic.engine.quant.WeightQuantizer;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class QuantizedReferenceTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int ROWS = 5;
    private static final int COLS = 512;

    private static Tensor randomWeights(GgmlType type, long seed) {
        Random rnd = new Random(seed);
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * 0.05);
        }
        return new Tensor("w", type, new long[] {COLS, ROWS}, MemorySegment.ofArray(WeightQuantizer.quantize(type, w)));
    }

    /** Activations with the shapes that matter: a scale that changes per block, an all-zero block, outliers. */
    private static float[] activations(int m, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[m * COLS];
        for (int i = 0; i < x.length; i++) {
            int block = (i % COLS) / 32;
            x[i] = block == 3 ? 0f : (float) (rnd.nextGaussian() * (1 + block % 4));
        }
        x[7] = 40f;
        x[COLS + 300] = -55f;
        return x;
    }

    /**
     * The activations as the reference kernel sees them, decoded independently: Q8_0 blocks are
     * {@code q * fp16 d}, Q8_K blocks {@code q * d}, F16/BF16 are the rounded values.
     */
    private static double[] effectiveActivations(ActivationFormat format, float[] x, int offset) {
        MemorySegment buf = MemorySegment.ofArray(new byte[(int) format.bytesFor(COLS)]);
        format.quantize(x, offset, COLS, buf, 0);
        double[] a = new double[COLS];
        for (int i = 0; i < COLS; i++) {
            a[i] = switch (format) {
                case F32 -> x[offset + i];
                case F16 -> Float.float16ToFloat(buf.get(I16, 2L * i));
                case BF16 -> Float.intBitsToFloat((buf.get(I16, 2L * i) & 0xffff) << 16);
                case Q8_0 -> buf.get(ValueLayout.JAVA_BYTE, 34L * (i / 32) + 2 + i % 32)
                        * (double) Float.float16ToFloat(buf.get(I16, 34L * (i / 32)));
                case Q8_K -> buf.get(ValueLayout.JAVA_BYTE, 292L * (i / 256) + 4 + i % 256)
                        * (double) buf.get(F32, 292L * (i / 256));
            };
        }
        return a;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void equalsTheExactDotOfDequantizedWeightsAndQuantizedActivationsUpToFloatRounding(GgmlType type) {
        Tensor w = randomWeights(type, 17);
        int m = 3;
        float[] x = activations(m, 18);
        float[] out = new float[m * ROWS];
        Kernels.reference().matmul(w, x, m, out);
        float[] row = new float[COLS];
        for (int i = 0; i < m; i++) {
            double[] a = effectiveActivations(ActivationFormat.forWeights(type), x, i * COLS);
            double sumA = 0;
            for (double v : a) {
                sumA += Math.abs(v);
            }
            for (int r = 0; r < ROWS; r++) {
                Dequantize.row(w, r, row, 0);
                double exact = 0;
                double magnitude = 0;
                float maxW = 0;
                for (int c = 0; c < COLS; c++) {
                    exact += row[c] * a[c];
                    magnitude += Math.abs(row[c] * a[c]);
                    maxW = Math.max(maxW, Math.abs(row[c]));
                }
                // Integer sums are exact; only the per-block float scaling and accumulation round.
                // K-quant mins are subtracted separately, so their magnitude (<= max|w|) counts too.
                double bound = 1e-6 * (magnitude + maxW * sumA) + 1e-30;
                assertThat(Math.abs(out[i * ROWS + r] - exact)).as("%s row %d input %d", type, r, i).isLessThanOrEqualTo(bound);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void differsFromTheFloatDotOnlyByTheActivationRoundingError(GgmlType type) {
        Tensor w = randomWeights(type, 27);
        int m = 2;
        float[] x = activations(m, 28);
        float[] out = new float[m * ROWS];
        Kernels.reference().matmul(w, x, m, out);
        float[] row = new float[COLS];
        for (int i = 0; i < m; i++) {
            for (int r = 0; r < ROWS; r++) {
                Dequantize.row(w, r, row, 0);
                double floatDot = 0;
                double bound = 1e-5;
                for (int c = 0; c < COLS; c++) {
                    float xc = x[i * COLS + c];
                    floatDot += row[c] * (double) xc;
                    bound += Math.abs(row[c]) * activationError(type, x, i * COLS + c - c % blockOf(type), xc);
                }
                assertThat(Math.abs(out[i * ROWS + r] - floatDot)).as("%s row %d input %d", type, r, i).isLessThanOrEqualTo(bound);
                assertThat(out[i * ROWS + r]).isNotEqualTo((float) floatDot); // the activations really were rounded
            }
        }
    }

    private static int blockOf(GgmlType type) {
        return switch (ActivationFormat.forWeights(type)) {
            case Q8_0 -> 32;
            case Q8_K -> 256;
            default -> 1;
        };
    }

    /** Largest error rounding one activation can make: half a quantization step (+ fp16 rounding of the Q8_0 scale). */
    private static double activationError(GgmlType type, float[] x, int blockStart, float xc) {
        double amax = 0;
        for (int j = 0; j < blockOf(type); j++) {
            amax = Math.max(amax, Math.abs(x[blockStart + j]));
        }
        return switch (ActivationFormat.forWeights(type)) {
            case F16 -> Math.abs(xc) * 0x1p-11 + 0x1p-25;
            case BF16 -> Math.abs(xc) * 0x1p-8;
            case Q8_0 -> amax / 127 * (0.5 + 127 * 0x1p-11) * 1.001;
            case Q8_K -> amax / 127 * 0.5 * 1.001;
            case F32 -> 0;
        };
    }

    @Test
    void handBuiltQ8_0MatrixWithExactlyRepresentableInputs() {
        // Two rows of 32: d = 0.5 with quants j and -j. Input: 127 then 1, 2, ..., so amax = 127 and the
        // activation scale is exactly 1: the result is 0.5 * sum(q * x) exactly.
        byte[] w = new byte[68];
        for (int r = 0; r < 2; r++) {
            w[34 * r] = 0x00;
            w[34 * r + 1] = 0x38;
            for (int j = 0; j < 32; j++) {
                w[34 * r + 2 + j] = (byte) (r == 0 ? j : -j);
            }
        }
        Tensor t = new Tensor("hand", GgmlType.Q8_0, new long[] {32, 2}, MemorySegment.ofArray(w));
        float[] x = new float[32];
        x[0] = 127f;
        long sum = 0;
        for (int j = 1; j < 32; j++) {
            x[j] = j;
            sum += (long) j * j;
        }
        float[] out = new float[2];
        Kernels.reference().matmul(t, x, 1, out);
        assertThat(out).containsExactly(0.5f * sum, -0.5f * sum);
    }

    @Test
    void handBuiltQ4_KRowWithExactlyRepresentableInputs() {
        // d = 1, dmin = 0, all scales 1: weights equal their quants (i % 16). Input 127, then small
        // integers: Q8_K uses iscale = -1, d = -1, so the dot is sum(q * x) exactly.
        byte[] w = new byte[144];
        w[1] = 0x3c;
        for (int j = 0; j < 4; j++) {
            w[4 + j] = 1;
            w[4 + 8 + j] = 1;
        }
        float[] x = new float[256];
        long expected = 0;
        int[] q = new int[256];
        for (int i = 0; i < 256; i++) {
            q[i] = i % 16;
            int chunk = i / 64;
            int at = 16 + 32 * chunk + i % 32;
            w[at] |= (byte) (i % 64 < 32 ? q[i] : q[i] << 4);
            x[i] = i == 0 ? 127 : (i % 7) - 3;
            expected += (long) q[i] * (long) x[i];
        }
        Tensor t = new Tensor("hand", GgmlType.Q4_K, new long[] {256, 1}, MemorySegment.ofArray(w));
        float[] out = new float[1];
        Kernels.reference().matmul(t, x, 1, out);
        assertThat(out[0]).isEqualTo((float) expected);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void batchInvariantAndLaidOutRowMajorPerInput(GgmlType type) {
        Tensor w = randomWeights(type, 37);
        int m = 4;
        float[] x = activations(m, 38);
        float[] batch = new float[m * ROWS];
        Kernels.reference().matmul(w, x, m, batch);
        for (int i = 0; i < m; i++) {
            float[] single = new float[ROWS];
            Kernels.reference().matmul(w, java.util.Arrays.copyOfRange(x, i * COLS, (i + 1) * COLS), 1, single);
            assertThat(java.util.Arrays.copyOfRange(batch, i * ROWS, (i + 1) * ROWS)).containsExactly(single);
        }
    }

    @Test
    void rejectsMismatchedBuffers() {
        Tensor w = randomWeights(GgmlType.Q8_0, 1);
        assertThatThrownBy(() -> Kernels.reference().matmul(w, new float[COLS], 2, new float[2 * ROWS]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 rows need 1024 inputs");
    }
}
