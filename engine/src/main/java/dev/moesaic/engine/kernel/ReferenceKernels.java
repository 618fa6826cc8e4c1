package dev.moesaic.engine.kernel;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Scalar reference kernels: slow, plain, and the definition of correct for every fast kernel. */
final class ReferenceKernels implements Kernels {
    static final ReferenceKernels INSTANCE = new ReferenceKernels();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ReferenceKernels() {
    }

    @Override
    public void matmul(Tensor w, float[] x, int m, float[] out) {
        int rows = w.rows();
        int cols = w.cols();
        if (w.type() == GgmlType.F32) {
            MemorySegment d = w.data();
            for (int i = 0; i < m; i++) {
                for (int r = 0; r < rows; r++) {
                    long base = (long) r * cols * 4;
                    float sum = 0f;
                    for (int c = 0; c < cols; c++) {
                        sum += d.get(F32, base + 4L * c) * x[i * cols + c];
                    }
                    out[i * rows + r] = sum;
                }
            }
            return;
        }
        QuantizedReference.matmul(w, x, m, out);
    }

    @Override
    public void dequantizeRow(Tensor w, int row, float[] out, int outOffset) {
        Dequantize.row(w, row, out, outOffset);
    }
}
