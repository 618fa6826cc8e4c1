package dev.moesaic.nativebind.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_ab;
import static org.bytedeco.dnnl.global.dnnl.dnnl_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_fpmath_mode_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_matmul_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_create_with_strides;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_create_with_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_fpmath_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_impl_info_str;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_scratchpad_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * {@code dst = src x W^T} with oneDNN, W an N x K matrix of f32 or bf16 rows read in place from an
 * off-heap segment (the mmap'ed model or a device pool: zero-copy), src M x K and dst M x N f32.
 *
 * <p>The output columns are cut into fixed-width slices of {@code sliceRows} weight rows; each
 * {@link #execute} call computes one slice in the calling thread (OpenMP limited to that thread),
 * so a compute lane parallelises over slices exactly as over rows in the Vector kernels, and the
 * slice shapes, hence oneDNN's choice of implementation, never depend on the thread count.
 * Primitives are cached per (M, slice width); oneDNN may still pick a different implementation for
 * another M, so results are not guaranteed batch-invariant (see the tests for what was measured).
 *
 * <p>The weight segment's arena must stay open while this object is used; {@link #close()} frees
 * the primitives (not the weights).
 */
public final class DnnlMatmul implements AutoCloseable {
    /** Element type of the weights. */
    public enum WeightType {
        F32(dnnl_f32, 4),
        BF16(dnnl_bf16, 2);

        final int dnnlType;
        final int bytes;

        WeightType(int dnnlType, int bytes) {
            this.dnnlType = dnnlType;
            this.bytes = bytes;
        }
    }

    private final DnnlEngine engine;
    private final MemorySegment weights;
    private final int n;
    private final int k;
    private final WeightType type;
    private final boolean bf16Math;
    private final int sliceRows;
    private final Map<Long, Prim> prims = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Per calling thread: its stream, argument array and scratch buffers, and memory objects per primitive. */
    private static final ThreadLocal<PerThread> THREAD = ThreadLocal.withInitial(PerThread::new);

    /**
     * @param weights  N rows of K elements of {@code type}, row-major, off-heap
     * @param bf16Math let oneDNN compute f32 weights in bf16 (fpmath_mode bf16); always on for bf16 weights
     * @param sliceRows output columns per {@link #execute} call (the last slice may be narrower)
     */
    public DnnlMatmul(DnnlEngine engine, MemorySegment weights, int n, int k, WeightType type, boolean bf16Math,
                      int sliceRows) {
        if (n < 1 || k < 1 || sliceRows < 1) {
            throw new IllegalArgumentException("oneDNN matmul: bad shape n=" + n + " k=" + k + " sliceRows=" + sliceRows);
        }
        long need = (long) n * k * type.bytes;
        if (weights.byteSize() != need) {
            throw new IllegalArgumentException("oneDNN matmul: " + n + " x " + k + " " + type + " weights need " + need
                    + " bytes, the segment has " + weights.byteSize());
        }
        new SegmentPointer(weights); // rejects heap segments early
        this.engine = engine;
        this.weights = weights;
        this.n = n;
        this.k = k;
        this.type = type;
        this.bf16Math = bf16Math || type == WeightType.BF16;
        this.sliceRows = Math.min(sliceRows, n);
    }

    public int rows() {
        return n;
    }

    public int cols() {
        return k;
    }

    /** Number of slices {@link #execute} accepts. */
    public int slices() {
        return (n + sliceRows - 1) / sliceRows;
    }

    /**
     * Computes output columns of slice {@code slice} for {@code m} rows: reads {@code src} (m x K f32,
     * row-major) and writes those columns of {@code dst} (m x N f32, row-major). Safe to call from
     * several threads at once for different slices.
     */
    public void execute(MemorySegment src, int m, MemorySegment dst, int slice) {
        if (closed) {
            throw new IllegalStateException("oneDNN matmul " + n + "x" + k + " is closed");
        }
        if (slice < 0 || slice >= slices()) {
            throw new IndexOutOfBoundsException("slice " + slice + " of " + slices());
        }
        if (src.byteSize() < 4L * m * k || dst.byteSize() < 4L * m * n) {
            throw new IllegalArgumentException("oneDNN matmul " + n + "x" + k + ": src of " + src.byteSize()
                    + " bytes or dst of " + dst.byteSize() + " bytes too small for m=" + m);
        }
        int r0 = slice * sliceRows;
        int width = Math.min(sliceRows, n - r0);
        Prim p = prim(m, width);
        PerThread t = THREAD.get();
        Mems mems = p.mems();
        t.ensureScratch(p.scratchBytes);
        Dnnl.check(dnnl_memory_set_data_handle(mems.src, new SegmentPointer(src)), "binding src");
        Dnnl.check(dnnl_memory_set_data_handle(mems.wei,
                new SegmentPointer(weights.asSlice((long) r0 * k * type.bytes, (long) width * k * type.bytes))), "binding weights");
        Dnnl.check(dnnl_memory_set_data_handle(mems.dst, new SegmentPointer(dst.asSlice(4L * r0))), "binding dst");
        Dnnl.check(dnnl_memory_set_data_handle(mems.scratch, new SegmentPointer(t.scratch)), "binding scratchpad");
        dnnl_exec_arg_t args = t.args;
        args.position(0).arg(DNNL_ARG_SRC).memory(mems.src);
        args.position(1).arg(DNNL_ARG_WEIGHTS).memory(mems.wei);
        args.position(2).arg(DNNL_ARG_DST).memory(mems.dst);
        args.position(3).arg(DNNL_ARG_SCRATCHPAD).memory(mems.scratch);
        args.position(0);
        Dnnl.check(dnnl_primitive_execute(p.primitive, t.stream(engine), 4, args), "executing matmul " + p.describe());
        Dnnl.check(dnnl_stream_wait(t.stream(engine)), "waiting for matmul");
    }

    /** The implementation oneDNN chose for {@code m} rows (for logs and the benchmark), e.g. "brg_matmul:avx512_core". */
    public String implementation(int m) {
        return prim(m, sliceRows).impl;
    }

    private Prim prim(int m, int width) {
        long key = ((long) m << 32) | width;
        Prim p = prims.get(key);
        if (p == null) {
            p = prims.computeIfAbsent(key, kk -> new Prim(m, width));
        }
        return p;
    }

    @Override
    public void close() {
        closed = true;
        for (Prim p : prims.values()) {
            p.close();
        }
        prims.clear();
    }

    /** One primitive for (m, slice width): descriptors, the primitive, its scratchpad size. */
    private final class Prim {
        final int m;
        final int width;
        final dnnl_memory_desc srcMd = new dnnl_memory_desc();
        final dnnl_memory_desc weiMd = new dnnl_memory_desc();
        final dnnl_memory_desc dstMd = new dnnl_memory_desc();
        final dnnl_memory_desc scratchMd;
        final dnnl_primitive_desc pd = new dnnl_primitive_desc();
        final dnnl_primitive primitive = new dnnl_primitive();
        final long scratchBytes;
        final String impl;
        /** Memory objects per calling thread (their data handles are rebound per call); all destroyed on close. */
        final ThreadLocal<Mems> mems = new ThreadLocal<>();
        final List<dnnl_memory> created = java.util.Collections.synchronizedList(new ArrayList<>());

        Prim(int m, int width) {
            this.m = m;
            this.width = width;
            // primitive creation sizes its blocking by the OpenMP threads of the creating thread
            Dnnl.useOneThreadInThisThread();
            Dnnl.check(dnnl_memory_desc_create_with_tag(srcMd, 2, new long[] {m, k}, dnnl_f32, dnnl_ab), "src desc");
            // weights are K x width, stored as width rows of K: element (kk, j) at j * K + kk
            Dnnl.check(dnnl_memory_desc_create_with_strides(weiMd, 2, new long[] {k, width}, type.dnnlType,
                    new long[] {1, k}), "weights desc");
            Dnnl.check(dnnl_memory_desc_create_with_strides(dstMd, 2, new long[] {m, width}, dnnl_f32,
                    new long[] {n, 1}), "dst desc");
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            Dnnl.check(dnnl_primitive_attr_create(attr), "attr");
            try {
                Dnnl.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
                if (bf16Math) {
                    Dnnl.check(dnnl_primitive_attr_set_fpmath_mode(attr, dnnl_fpmath_mode_bf16), "fpmath mode bf16");
                }
                Dnnl.check(dnnl_matmul_primitive_desc_create(pd, engine.handle, srcMd, weiMd, null, dstMd, attr),
                        "creating a matmul descriptor for " + describe());
            } finally {
                dnnl_primitive_attr_destroy(attr);
            }
            scratchMd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
            scratchBytes = scratchMd == null || scratchMd.isNull() ? 0 : dnnl_memory_desc_get_size(scratchMd);
            Dnnl.check(dnnl_primitive_create(primitive, pd), "creating the matmul primitive for " + describe());
            PointerPointer<BytePointer> info = new PointerPointer<>(1);
            Dnnl.check(org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, info),
                    "querying the implementation");
            impl = info.getString(0);
        }

        String describe() {
            return "m=" + m + " k=" + k + " n=" + width + " weights=" + type + (bf16Math ? " fpmath=bf16" : "");
        }

        Mems mems() {
            Mems ms = mems.get();
            if (ms == null) {
                ms = new Mems(memory(srcMd), memory(weiMd), memory(dstMd), memory(scratchMd));
                mems.set(ms);
            }
            return ms;
        }

        private dnnl_memory memory(dnnl_memory_desc md) {
            dnnl_memory mem = new dnnl_memory();
            // no buffer: every call binds its own with set_data_handle
            Dnnl.check(dnnl_memory_create(mem, md, engine.handle, (Pointer) null), "creating a memory object");
            created.add(mem);
            return mem;
        }

        void close() {
            for (dnnl_memory mem : created) {
                dnnl_memory_destroy(mem);
            }
            created.clear();
            dnnl_primitive_destroy(primitive);
            dnnl_primitive_desc_destroy(pd);
            dnnl_memory_desc_destroy(srcMd);
            dnnl_memory_desc_destroy(weiMd);
            dnnl_memory_desc_destroy(dstMd);
        }
    }

    /** Memory objects of one primitive in one thread; their data handles are rebound per call. */
    private record Mems(dnnl_memory src, dnnl_memory wei, dnnl_memory dst, dnnl_memory scratch) {
    }

    private static final class PerThread {
        final dnnl_exec_arg_t args = new dnnl_exec_arg_t(4);
        MemorySegment scratch = Arena.ofAuto().allocate(64, 64);
        final Map<DnnlEngine, dnnl_stream> streams = new java.util.IdentityHashMap<>();

        dnnl_stream stream(DnnlEngine engine) {
            dnnl_stream stream = streams.get(engine);
            if (stream == null) {
                stream = new dnnl_stream();
                Dnnl.check(dnnl_stream_create(stream, engine.handle, dnnl_stream_default_flags), "creating a stream");
                Dnnl.useOneThreadInThisThread();
                streams.put(engine, stream);
            }
            return stream;
        }

        void ensureScratch(long bytes) {
            if (scratch.byteSize() < bytes) {
                scratch = Arena.ofAuto().allocate(bytes, 64);
            }
        }
    }
}
