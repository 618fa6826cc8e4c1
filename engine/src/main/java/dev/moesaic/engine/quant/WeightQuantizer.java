package dev.moesaic.engine.quant;

import dev.moesaic.engine.gguf.GgufWriter;
import dev.moesaic.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Encodes float weights into any supported tensor type for writing model files, with the reference
 * encoders llama-quantize uses when no importance matrix is given, so an exported tensor has the
 * same bytes llama.cpp would write for it.
 */
public final class WeightQuantizer {
    private WeightQuantizer() {
    }

    /**
     * Encodes {@code x[xOffset .. +n)} as {@code type} into {@code dst[dstOffset ...]}, which must have
     * {@code type.bytesFor(n)} bytes there; {@code n} must be a multiple of the type's block size.
     */
    public static void quantize(GgmlType type, float[] x, int xOffset, int n, MemorySegment dst, long dstOffset) {
        long bytes = type.bytesFor(n);
        if (xOffset < 0 || n < 0 || xOffset > x.length - n) {
            throw new IndexOutOfBoundsException("source range [" + xOffset + ", +" + n + ") outside float[" + x.length + "]");
        }
        if (dstOffset < 0 || dstOffset > dst.byteSize() - bytes) {
            throw new IndexOutOfBoundsException(n + " values of " + type + " need " + bytes + " bytes at offset " + dstOffset
                    + ", destination has " + dst.byteSize());
        }
        switch (type) {
            case F32 -> MemorySegment.copy(x, xOffset, dst, LittleEndian.F32, dstOffset, n);
            case F16 -> F16Rows.quantize(x, xOffset, n, dst, dstOffset);
            case BF16 -> BF16Rows.quantize(x, xOffset, n, dst, dstOffset);
            case Q8_0 -> Q8_0Blocks.quantize(x, xOffset, n, dst, dstOffset);
            case Q4_0 -> Q4_0Blocks.quantize(x, xOffset, n, dst, dstOffset);
            case Q4_K -> Q4_KBlocks.quantize(x, xOffset, n, dst, dstOffset);
            case Q6_K -> Q6_KBlocks.quantize(x, xOffset, n, dst, dstOffset);
        }
    }

    /** Convenience: encodes {@code x} into a new heap array of {@code type.bytesFor(x.length)} bytes. */
    public static byte[] quantize(GgmlType type, float[] x) {
        byte[] out = new byte[Math.toIntExact(type.bytesFor(x.length))];
        quantize(type, x, 0, x.length, MemorySegment.ofArray(out), 0);
        return out;
    }

    /** Produces row {@code index} of a float matrix into {@code out} (length = the row length). */
    @FunctionalInterface
    public interface RowSupplier {
        void row(long index, float[] out);
    }

    /**
     * A {@link GgufWriter} tensor source that asks for {@code rows} float rows of {@code cols} values
     * one at a time and encodes them as {@code type}, writing about a mebibyte at a time: a model is
     * exported without ever holding its floats or its encoded bytes in full.
     */
    public static GgufWriter.TensorSource encodingRows(GgmlType type, int cols, long rows, RowSupplier supplier) {
        long rowBytes = type.bytesFor(cols);
        if (rows < 0 || rowBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(rows + " rows of " + cols + " " + type + " values cannot be encoded row by row");
        }
        return sink -> {
            int perChunk = (int) Math.max(1, Math.min(rows, (1 << 20) / rowBytes));
            byte[] chunk = new byte[Math.toIntExact(perChunk * rowBytes)];
            MemorySegment out = MemorySegment.ofArray(chunk);
            float[] row = new float[cols];
            int filled = 0;
            for (long r = 0; r < rows; r++) {
                supplier.row(r, row);
                quantize(type, row, 0, cols, out, filled * rowBytes);
                if (++filled == perChunk) {
                    sink.write(chunk, 0, chunk.length);
                    filled = 0;
                }
            }
            if (filled > 0) {
                sink.write(chunk, 0, (int) (filled * rowBytes));
            }
        };
    }
}
