package dev.moesaic.engine.kernel;

import dev.moesaic.engine.quant.BF16Rows;
import dev.moesaic.engine.quant.F16Rows;
import dev.moesaic.engine.quant.Q4_0Blocks;
import dev.moesaic.engine.quant.Q4_KBlocks;
import dev.moesaic.engine.quant.Q6_KBlocks;
import dev.moesaic.engine.quant.Q8_0Blocks;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Converts stored rows to floats, bit for bit as ggml's dequantize_row_* functions do. */
public final class Dequantize {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantize() {
    }

    /** Row {@code row} of {@code w} (all matrices counted consecutively) into {@code out[offset ...]}. */
    public static void row(Tensor w, int row, float[] out, int offset) {
        int cols = w.cols();
        long rows = w.elementCount() / cols;
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException(w.name() + ": row " + row + " of " + rows);
        }
        values(w.type(), w.data(), row * w.rowBytes(), cols, out, offset);
    }

    /**
     * {@code n} values of {@code type} stored at {@code src[srcOffset]} into {@code out[outOffset ...]};
     * {@code n} must be a multiple of the type's block size.
     */
    public static void values(GgmlType type, MemorySegment src, long srcOffset, int n, float[] out, int outOffset) {
        if (outOffset < 0 || n < 0 || outOffset > out.length - n) {
            throw new IndexOutOfBoundsException(n + " values do not fit float[" + out.length + "] at " + outOffset);
        }
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32, srcOffset, out, outOffset, n);
            case F16 -> F16Rows.dequantize(src, srcOffset, n, out, outOffset);
            case BF16 -> BF16Rows.dequantize(src, srcOffset, n, out, outOffset);
            case Q8_0 -> Q8_0Blocks.dequantize(src, srcOffset, n, out, outOffset);
            case Q4_0 -> Q4_0Blocks.dequantize(src, srcOffset, n, out, outOffset);
            case Q4_K -> Q4_KBlocks.dequantize(src, srcOffset, n, out, outOffset);
            case Q6_K -> Q6_KBlocks.dequantize(src, srcOffset, n, out, outOffset);
        }
    }
}
