package dev.moesaic.engine.kernel;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Random weight tensors of every type (off-heap, like real weights) and random activations. */
final class TestTensors {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TestTensors() {
    }

    /**
     * A rows x cols tensor of {@code type} with random contents: random floats for plain types, random
     * quant bytes with small finite fp16 scales for block types (every bit pattern of the quants is valid).
     */
    static Tensor random(GgmlType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        long bytes = type.bytesFor((long) rows * cols);
        MemorySegment seg = Arena.ofAuto().allocate(bytes, 64);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    seg.set(F32, 4 * i, (float) rnd.nextGaussian());
                }
            }
            case F16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    seg.set(I16, 2 * i, Float.floatToFloat16((float) rnd.nextGaussian()));
                }
            }
            case BF16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    seg.set(I16, 2 * i, HalfFloats.floatToBf16((float) rnd.nextGaussian()));
                }
            }
            default -> {
                for (long i = 0; i < bytes; i++) {
                    seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
                }
                long blocks = bytes / type.blockBytes();
                for (long b = 0; b < blocks; b++) {
                    long o = b * type.blockBytes();
                    switch (type) {
                        case Q8_0, Q4_0 -> seg.set(I16, o, scale(rnd, 0.01f));
                        case Q4_K -> {
                            seg.set(I16, o, scale(rnd, 0.01f));
                            seg.set(I16, o + 2, scale(rnd, 0.01f));
                        }
                        case Q6_K -> seg.set(I16, o + 208, scale(rnd, 0.002f));
                        default -> throw new IllegalArgumentException(type.toString());
                    }
                }
            }
        }
        return new Tensor("test." + type, type, new long[] {cols, rows}, seg);
    }

    private static short scale(Random rnd, float magnitude) {
        return Float.floatToFloat16(magnitude * (0.25f + rnd.nextFloat()));
    }

    /** m rows of cols random activations, some rows with an outlier and one all-zero block, as real activations have. */
    static float[] activations(int m, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[m * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < m; i += 3) {
            x[i * cols + rnd.nextInt(cols)] = 20f * (rnd.nextBoolean() ? 1 : -1);
        }
        if (m > 1 && cols >= 32) {
            for (int c = 0; c < 32; c++) {
                x[cols + c] = 0f;
            }
        }
        return x;
    }

    /** Row {@code i} of a row-major batch. */
    static float[] row(float[] x, int i, int cols) {
        float[] r = new float[cols];
        System.arraycopy(x, i * cols, r, 0, cols);
        return r;
    }
}
