package dev.moesaic.engine.kernel;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import dev.moesaic.nativebind.dnnl.DnnlEngine;
import dev.moesaic.nativebind.dnnl.DnnlMatmul;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Kernels that run F32 and BF16 matmuls through oneDNN (JavaCPP) and every other type through
 * {@link VectorKernels}. Weights are read in place (zero-copy) from the tensor's segment; the
 * activations are staged into a native buffer because oneDNN cannot read the Java heap.
 *
 * <p>The lane splits a matmul over fixed-width output slices (one oneDNN call per slice in the
 * lane thread, OpenMP held to that thread), so the thread count never changes a value. oneDNN may
 * however choose a different implementation for another M, so this class is <b>not guaranteed
 * batch-invariant</b>: use it only where bitwise-identical outputs across batch compositions are
 * not required (opt-in; {@link VectorKernels} is the default). DnnlKernelsTest measures it.
 *
 * <p>BF16 activations are rounded to bf16 here before oneDNN sees them: oneDNN (3.13, AVX-512
 * without AVX512_BF16) keeps f32 activations in f32, while ggml rounds them.
 *
 * <p>Not thread-safe (one driver thread per lane, like {@link VectorKernels}). Close it to free the
 * cached oneDNN primitives; the weights stay owned by their arena, which must outlive this object.
 */
public final class DnnlKernels implements Kernels, AutoCloseable {
    /** Output rows per oneDNN call: 8 calls for a 1024-row decode matmul, enough to balance 2-4 threads. */
    public static final int DEFAULT_SLICE_ROWS = 128;

    private final ComputeLane lane;
    private final VectorKernels fallback;
    private final DnnlEngine engine;
    private final boolean bf16MathForF32;
    private final int sliceRows;
    private final Map<WeightKey, DnnlMatmul> matmuls = new ConcurrentHashMap<>();
    private final Arena arena = Arena.ofShared();
    private MemorySegment src = MemorySegment.NULL;
    private MemorySegment dst = MemorySegment.NULL;
    private float[] rounded = new float[0];

    private record WeightKey(long address, long bytes, GgmlType type, int rows, int cols) {
    }

    /**
     * @param bf16MathForF32 let oneDNN compute F32 weights in bf16 (faster with AVX512_BF16/AMX, less exact)
     */
    public DnnlKernels(ComputeLane lane, boolean bf16MathForF32, int sliceRows) {
        this.lane = lane;
        this.fallback = new VectorKernels(lane);
        this.engine = new DnnlEngine();
        this.bf16MathForF32 = bf16MathForF32;
        this.sliceRows = sliceRows;
    }

    /** Exact f32 math and {@link #DEFAULT_SLICE_ROWS}. */
    public DnnlKernels(ComputeLane lane) {
        this(lane, false, DEFAULT_SLICE_ROWS);
    }

    /** For tools that pick kernels by name (the kernel benchmark). */
    public static Function<ComputeLane, Kernels> factory() {
        return DnnlKernels::new;
    }

    @Override
    public void matmul(Tensor w, float[] x, int m, float[] out) {
        VectorKernels.checkMatmul(w, x, m, out);
        if (m == 0) {
            return;
        }
        if (w.type() != GgmlType.F32 && w.type() != GgmlType.BF16) {
            fallback.matmul(w, x, m, out);
            return;
        }
        if (!w.data().isNative()) {
            throw new IllegalArgumentException("oneDNN matmul over " + w + ": weights must be off-heap (mmap'ed or in an arena)");
        }
        int rows = w.rows();
        int k = w.cols();
        DnnlMatmul mm = matmuls.computeIfAbsent(new WeightKey(w.data().address(), w.data().byteSize(), w.type(), rows, k),
                key -> new DnnlMatmul(engine, w.data(), rows, k,
                        w.type() == GgmlType.BF16 ? DnnlMatmul.WeightType.BF16 : DnnlMatmul.WeightType.F32,
                        bf16MathForF32, sliceRows));
        int n = m * k;
        ensureStaging(4L * n, 4L * m * rows);
        float[] xs = x;
        if (w.type() == GgmlType.BF16) {
            if (rounded.length < n) {
                rounded = new float[n];
            }
            HalfFloats.roundToBf16(x, rounded, 0, n);
            xs = rounded;
        }
        MemorySegment.copy(xs, 0, src, ValueLayout.JAVA_FLOAT, 0, n);
        MemorySegment s = src;
        MemorySegment d = dst;
        lane.forEachRange(mm.slices(), 1, (worker, s0, s1) -> {
            for (int slice = s0; slice < s1; slice++) {
                mm.execute(s, m, d, slice);
            }
        });
        MemorySegment.copy(dst, ValueLayout.JAVA_FLOAT, 0, out, 0, m * rows);
    }

    private void ensureStaging(long srcBytes, long dstBytes) {
        if (src.byteSize() < srcBytes) {
            src = arena.allocate(srcBytes, 64);
        }
        if (dst.byteSize() < dstBytes) {
            dst = arena.allocate(dstBytes, 64);
        }
    }

    @Override
    public void dequantizeRow(Tensor w, int row, float[] out, int outOffset) {
        fallback.dequantizeRow(w, row, out, outOffset);
    }

    /** The oneDNN implementation used for {@code w} with {@code m} rows (after a matmul with it). */
    public String implementation(Tensor w, int m) {
        DnnlMatmul mm = matmuls.get(new WeightKey(w.data().address(), w.data().byteSize(), w.type(), w.rows(), w.cols()));
        return mm == null ? "none yet" : mm.implementation(m);
    }

    @Override
    public void close() {
        for (DnnlMatmul mm : matmuls.values()) {
            mm.close();
        }
        matmuls.clear();
        engine.close();
        arena.close();
    }
}
