package dev.moesaic.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A weight tensor: a view of bytes somewhere off-heap (the mmap'ed model file, a device pool, or an
 * arena for built-in models) with a ggml type and shape. Shapes are in ggml order, fastest dimension
 * first: a matrix with {@code rows} rows of {@code cols} elements has {@code shape = [cols, rows]};
 * merged experts add a third dimension {@code [cols, rows, experts]}. Rows are stored contiguously.
 */
public record Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {
    public Tensor {
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException(name + ": 1 to 4 dimensions expected, got " + shape.length);
        }
        long n = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException(name + ": non-positive dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        long bytes = type.bytesFor(n);
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException(name + ": " + type + " " + Arrays.toString(shape) + " needs " + bytes
                    + " bytes, segment has " + data.byteSize());
        }
    }

    /** Elements per row (ggml ne[0]). */
    public int cols() {
        return Math.toIntExact(shape[0]);
    }

    /** Rows of one matrix (ggml ne[1]; 1 for a vector). */
    public int rows() {
        return shape.length > 1 ? Math.toIntExact(shape[1]) : 1;
    }

    /** Number of matrices stacked in dimension 2 (experts), 1 for a plain matrix. */
    public int matrices() {
        return shape.length > 2 ? Math.toIntExact(shape[2]) : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.bytesFor(shape[0]);
    }

    /** Bytes of one matrix (rows x cols). */
    public long matrixBytes() {
        return rowBytes() * rows();
    }

    /** The {@code index}-th matrix of a 3-D tensor (one expert of a merged expert tensor), without copying. */
    public Tensor matrix(int index) {
        if (index < 0 || index >= matrices()) {
            throw new IndexOutOfBoundsException(name + ": matrix " + index + " of " + matrices());
        }
        return new Tensor(name + "[" + index + "]", type, new long[] {shape[0], rows()},
                data.asSlice(index * matrixBytes(), matrixBytes()));
    }

    /** The elements of an F32 tensor as a heap array (norm weights, biases: small vectors read every step). */
    public float[] toFloats() {
        if (type != GgmlType.F32) {
            throw new IllegalStateException(name + " is " + type + "; only F32 tensors convert to floats directly");
        }
        float[] out = new float[Math.toIntExact(elementCount())];
        MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, out, 0, out.length);
        return out;
    }

    /** The same bytes seen through another segment (a copy in a device pool, for instance). */
    public Tensor withData(MemorySegment newData) {
        return new Tensor(name, type, shape, newData);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
