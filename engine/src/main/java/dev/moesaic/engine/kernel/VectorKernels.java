package dev.moesaic.engine.kernel;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The fast CPU kernels: Vector API matmuls for every supported weight type, split over the output
 * rows of a {@link ComputeLane}. Batch-invariant bitwise (see {@link Kernels}): an output's value
 * depends only on its weight row, its activation row and the machine's vector width, not on M, on
 * the other rows, or on the thread count.
 *
 * <p>Quantized weights follow llama.cpp: each activation row is quantized once per matmul (Q8_0 for
 * Q4_0/Q8_0, Q8_K for Q4_K/Q6_K), then integer dot products per block are scaled in float. F16 and
 * BF16 activations are rounded to the weight type first, as ggml does.
 *
 * <p>Not thread-safe: it keeps reusable scratch, and is meant to be driven by the one thread that
 * drives its lane (the lane rejects a second concurrent driver).
 */
public final class VectorKernels implements Kernels {
    private final ComputeLane lane;
    private final Q8Activations activations = new Q8Activations();
    private float[] rounded = new float[0];
    /** Per worker: float copies of F16/BF16 weight rows (4 at a time), off-heap like real weights. */
    private final MemorySegment[] panels;

    public VectorKernels(ComputeLane lane) {
        this.lane = lane;
        this.panels = new MemorySegment[lane.threads()];
    }

    public ComputeLane lane() {
        return lane;
    }

    @Override
    public void matmul(Tensor w, float[] x, int m, float[] out) {
        checkMatmul(w, x, m, out);
        if (m == 0) {
            return;
        }
        prepareActivations(w.type(), x, m, w.cols());
        lane.forEachRange(w.rows(), chunkRows(w.rows()), rowsBody(w, x, m, out));
    }

    /**
     * One lane job over the rows of every matrix (chunks never straddle two matrices), with the
     * activations prepared once; falls back to one job per matrix when the matrices disagree on
     * input width or on how activations are prepared.
     */
    @Override
    public void matmulEach(Tensor[] w, float[] x, int m, float[][] out) {
        boolean shared = w.length > 1;
        for (int j = 0; j < w.length; j++) {
            checkMatmul(w[j], x, m, out[j]);
            shared &= w[j].cols() == w[0].cols() && ActivationKind.of(w[j].type()) == ActivationKind.of(w[0].type());
        }
        if (!shared || m == 0) {
            Kernels.super.matmulEach(w, x, m, out);
            return;
        }
        prepareActivations(w[0].type(), x, m, w[0].cols());
        ComputeLane.RangeBody[] bodies = new ComputeLane.RangeBody[w.length];
        int chunks = 0;
        for (int j = 0; j < w.length; j++) {
            bodies[j] = rowsBody(w[j], x, m, out[j]);
            int c = chunkRows(w[j].rows());
            chunks += (w[j].rows() + c - 1) / c;
        }
        int[] matrix = new int[chunks];
        int[] from = new int[chunks];
        int[] to = new int[chunks];
        int n = 0;
        for (int j = 0; j < w.length; j++) {
            int rows = w[j].rows();
            int c = chunkRows(rows);
            for (int r = 0; r < rows; r += c) {
                matrix[n] = j;
                from[n] = r;
                to[n] = Math.min(rows, r + c);
                n++;
            }
        }
        lane.forEachRange(chunks, 1, (worker, c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                bodies[matrix[c]].run(worker, from[c], to[c]);
            }
        });
    }

    /** How a weight type wants its activations: as they are, rounded to 16 bits, or quantized to 8 bits. */
    private enum ActivationKind {
        FLOAT, F16_ROUNDED, BF16_ROUNDED, Q8_0, Q8_K;

        static ActivationKind of(GgmlType type) {
            return switch (type) {
                case F32 -> FLOAT;
                case F16 -> F16_ROUNDED;
                case BF16 -> BF16_ROUNDED;
                case Q8_0, Q4_0 -> Q8_0;
                case Q4_K, Q6_K -> Q8_K;
            };
        }
    }

    /** Rounds or quantizes {@code m} rows of {@code x} into this instance's scratch, as {@code type} needs. */
    private void prepareActivations(GgmlType type, float[] x, int m, int k) {
        switch (ActivationKind.of(type)) {
            case FLOAT -> {
            }
            case F16_ROUNDED, BF16_ROUNDED -> {
                int n = m * k;
                if (rounded.length < n) {
                    rounded = new float[n];
                }
                if (type == GgmlType.F16) {
                    HalfFloats.roundToF16(x, rounded, 0, n);
                } else {
                    HalfFloats.roundToBf16(x, rounded, 0, n);
                }
            }
            case Q8_0 -> quantizeActivations(x, m, k, false);
            case Q8_K -> quantizeActivations(x, m, k, true);
        }
    }

    /** The job computing weight rows {@code [r0, r1)} of {@code w} for all m rows; activations already prepared. */
    private ComputeLane.RangeBody rowsBody(Tensor w, float[] x, int m, float[] out) {
        return switch (w.type()) {
            case F32 -> f32Rows(w, x, m, out);
            case F16, BF16 -> halfRows(w, rounded, m, out);
            case Q8_0, Q4_0 -> blockQuantRows(w, m, out);
            case Q4_K, Q6_K -> kQuantRows(w, m, out);
        };
    }

    @Override
    public void dequantizeRow(Tensor w, int row, float[] out, int outOffset) {
        FastDequantize.row(w, row, out, outOffset);
    }

    /** Rows per chunk handed to a lane thread: a multiple of 4, about 4 chunks per thread for balance. */
    private int chunkRows(int rows) {
        int perThread = Math.max(1, rows / (lane.threads() * 4));
        return Math.max(4, (perThread + 3) & ~3);
    }

    private static ComputeLane.RangeBody f32Rows(Tensor w, float[] x, int m, float[] out) {
        int rows = w.rows();
        int k = w.cols();
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        return (worker, r0, r1) -> FloatTiles.rows(
                data, r0 * rowBytes, rowBytes, r0, r1, x, m, k, out, rows, new float[16], Lanes.sumScratch());
    }

    private ComputeLane.RangeBody halfRows(Tensor w, float[] xr, int m, float[] out) {
        int rows = w.rows();
        int k = w.cols();
        boolean f16 = w.type() == GgmlType.F16;
        long rowBytes = w.rowBytes();
        long panelRowBytes = 4L * k;
        MemorySegment data = w.data();
        return (worker, r0, r1) -> {
            MemorySegment panel = panel(worker, 4 * panelRowBytes);
            float[] res = new float[16];
            float[] tmp = Lanes.sumScratch();
            for (int r = r0; r < r1; r += 4) {
                int r4 = Math.min(r1, r + 4);
                for (int j = r; j < r4; j++) {
                    if (f16) {
                        HalfFloats.f16ToFloat(data, j * rowBytes, panel, (j - r) * panelRowBytes, k);
                    } else {
                        HalfFloats.bf16ToFloat(data, j * rowBytes, panel, (j - r) * panelRowBytes, k);
                    }
                }
                FloatTiles.rows(panel, 0, panelRowBytes, r, r4, xr, m, k, out, rows, res, tmp);
            }
        };
    }

    private MemorySegment panel(int worker, long bytes) {
        MemorySegment p = panels[worker];
        if (p == null || p.byteSize() < bytes) {
            p = Arena.ofAuto().allocate(bytes, 64);
            panels[worker] = p;
        }
        return p;
    }

    private void quantizeActivations(float[] x, int m, int k, boolean kQuant) {
        Q8Activations a = activations;
        a.reset(m, k, kQuant ? Q8Activations.Q8_K_BLOCK : Q8Activations.Q8_0_BLOCK);
        if (m < 4) {
            for (int i = 0; i < m; i++) {
                quantizeRow(a, x, i, kQuant);
            }
            return;
        }
        lane.forEachRange(m, 1, (worker, i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                quantizeRow(a, x, i, kQuant);
            }
        });
    }

    private static void quantizeRow(Q8Activations a, float[] x, int i, boolean kQuant) {
        if (kQuant) {
            a.quantizeQ8K(x, i);
        } else {
            a.quantizeQ8_0(x, i);
        }
    }

    private ComputeLane.RangeBody blockQuantRows(Tensor w, int m, float[] out) {
        int rows = w.rows();
        int k = w.cols();
        Q8Activations a = activations;
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        boolean q8 = w.type() == GgmlType.Q8_0;
        return (worker, r0, r1) -> {
            float[] res = new float[4];
            float[] tmp = Lanes.sumScratch();
            for (int r = r0; r < r1; r++) {
                long wo = r * rowBytes;
                for (int i = 0; i < m; i += 4) {
                    int xs = Math.min(4, m - i);
                    if (q8) {
                        BlockQuantTiles.q8_0Row(data, wo, a, i, xs, k, res, tmp);
                    } else {
                        BlockQuantTiles.q4_0Row(data, wo, a, i, xs, k, res, tmp);
                    }
                    for (int t = 0; t < xs; t++) {
                        out[(i + t) * rows + r] = res[t];
                    }
                }
            }
        };
    }

    private ComputeLane.RangeBody kQuantRows(Tensor w, int m, float[] out) {
        int rows = w.rows();
        int k = w.cols();
        Q8Activations a = activations;
        long rowBytes = w.rowBytes();
        MemorySegment data = w.data();
        boolean q4 = w.type() == GgmlType.Q4_K;
        return (worker, r0, r1) -> {
            int[] scales = new int[8];
            int[] mins = new int[8];
            for (int r = r0; r < r1; r++) {
                long wo = r * rowBytes;
                for (int i = 0; i < m; i++) {
                    out[i * rows + r] = q4 ? KQuantTiles.q4K(data, wo, a, i, k, scales, mins) : KQuantTiles.q6K(data, wo, a, i, k);
                }
            }
        };
    }

    /** The argument checks every {@link Kernels#matmul} implementation shares. */
    static void checkMatmul(Tensor w, float[] x, int m, float[] out) {
        if (w.matrices() != 1) {
            throw new IllegalArgumentException("matmul over " + w + ": expected one matrix, got " + w.matrices()
                    + " stacked matrices; pass w.matrix(e) for expert e");
        }
        if (m < 0) {
            throw new IllegalArgumentException("matmul over " + w + ": negative row count m=" + m);
        }
        long need = (long) m * w.cols();
        if (x.length < need) {
            throw new IllegalArgumentException("matmul over " + w + ": x has " + x.length + " floats, " + m + " rows of "
                    + w.cols() + " need " + need);
        }
        long outNeed = (long) m * w.rows();
        if (out.length < outNeed) {
            throw new IllegalArgumentException("matmul over " + w + ": out has " + out.length + " floats, " + m
                    + " rows of " + w.rows() + " need " + outNeed);
        }
    }
}
