package dev.moesaic.engine.kernel;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Converts stored rows to floats, exactly as ggml's dequantize_row_* functions do. */
public final class Dequantize {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantize() {
    }

    /** Row {@code row} of {@code w} (all matrices counted consecutively) into {@code out[offset ...]}. */
    public static void row(Tensor w, int row, float[] out, int offset) {
        int cols = w.cols();
        long base = row * w.rowBytes();
        if (w.type() == GgmlType.F32) {
            for (int c = 0; c < cols; c++) {
                out[offset + c] = w.data().get(F32, base + 4L * c);
            }
            return;
        }
        throw new UnsupportedOperationException("dequantize " + w.type() + " not implemented yet");
    }
}
