package dev.moesaic.engine.kernel.bench;

import dev.moesaic.engine.kernel.ComputeLane;
import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.kernel.VectorKernels;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.function.Function;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matmul throughput per weight type, printed as one JSON object: GB/s of weights and GFLOP/s for
 * decode (M=1) on the builtin:bench shapes and for prefill (M=16, M=128), next to a read bandwidth
 * measured in the same run, plus the cost of one empty lane job against a ForkJoinPool round trip.
 *
 * <p>Decode cycles through enough copies of each matrix (like the layers of a model) that the
 * weights come from memory, not from the last-level cache.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine/target/classes \
 *     dev.moesaic.engine.kernel.bench.KernelBench [--threads N] [--types F32,Q4_0] [--seconds S] [--kernels vector|dnnl]
 * </pre>
 */
public final class KernelBench {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Decode weights per shape and type: well beyond the last-level cache. */
    private static final long DECODE_POOL_BYTES = 256L << 20;

    /** One matmul shape: output rows x input columns, with the role it plays in builtin:bench. */
    record Shape(String role, int rows, int cols) {
    }

    static final List<Shape> SHAPES = List.of(
            new Shape("attn_q/o 1024x1024", 1024, 1024),
            new Shape("expert gate/up 768x1024", 768, 1024),
            new Shape("expert down 1024x768", 1024, 768),
            new Shape("attn_k/v 256x1024", 256, 1024));

    private KernelBench() {
    }

    public static void main(String[] args) {
        int threads = Runtime.getRuntime().availableProcessors();
        List<GgmlType> types = List.of(GgmlType.F32, GgmlType.BF16, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0,
                GgmlType.Q4_K, GgmlType.Q6_K);
        double seconds = 0.25;
        String kernelsName = "vector";
        int[] ms = {1, 16, 128};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--types" -> {
                    List<GgmlType> t = new ArrayList<>();
                    for (String s : args[++i].split(",")) {
                        t.add(GgmlType.valueOf(s.trim().toUpperCase(Locale.ROOT)));
                    }
                    types = t;
                }
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--kernels" -> kernelsName = args[++i];
                case "--m" -> ms = java.util.Arrays.stream(args[++i].split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --threads N, --types F32,Q4_0,..., --m 1,16,128, --seconds S, --kernels vector|dnnl");
            }
        }
        try (ComputeLane lane = ComputeLane.create("bench", threads)) {
            Kernels kernels = createKernels(kernelsName, lane);
            StringBuilder json = new StringBuilder();
            double bandwidth = readBandwidth(lane);
            json.append("{\"threads\":").append(threads)
                    .append(",\"kernels\":\"").append(kernelsName).append('"')
                    .append(",\"vector_bits\":").append(F.vectorBitSize())
                    .append(",\"bandwidth_gbps\":").append(fmt(bandwidth))
                    .append(",\"lane_job_ns\":").append(fmt(laneJobNanos(lane)))
                    .append(",\"fork_join_job_ns\":").append(fmt(forkJoinJobNanos(threads)))
                    .append(",\"results\":[");
            boolean first = true;
            for (GgmlType type : types) {
                warmUp(kernels, type);
                for (Shape shape : SHAPES) {
                    if (shape.cols % type.blockSize() != 0) {
                        continue;
                    }
                    for (int m : ms) {
                        Result r = measure(kernels, type, shape, m, seconds);
                        json.append(first ? "" : ",").append("\n ").append(r.toJson(bandwidth));
                        first = false;
                        System.err.printf(Locale.ROOT, "%-5s %-24s m=%-3d %8.1f us  %6.1f GB/s  %7.1f GFLOP/s%n",
                                type, shape.role, m, r.seconds * 1e6, r.gbps(), r.gflops());
                    }
                }
            }
            json.append("\n]}");
            System.out.println(json);
        }
    }

    private static Kernels createKernels(String name, ComputeLane lane) {
        if (name.equals("vector")) {
            return new VectorKernels(lane);
        }
        // Optional kernels are found by name so this class does not need them on the class path.
        try {
            Class<?> c = Class.forName("dev.moesaic.engine.kernel.DnnlKernels");
            @SuppressWarnings("unchecked")
            Function<ComputeLane, Kernels> f = (Function<ComputeLane, Kernels>) c.getMethod("factory").invoke(null);
            return f.apply(lane);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("--kernels " + name + " is not available: " + e, e);
        }
    }

    record Result(GgmlType type, Shape shape, int m, double seconds, long weightBytes) {
        double gbps() {
            return weightBytes / seconds / 1e9;
        }

        double gflops() {
            return 2.0 * m * shape.rows * shape.cols / seconds / 1e9;
        }

        String toJson(double bandwidth) {
            return String.format(Locale.ROOT,
                    "{\"type\":\"%s\",\"shape\":\"%s\",\"rows\":%d,\"cols\":%d,\"m\":%d,\"us\":%s,\"gbps\":%s,"
                            + "\"gflops\":%s,\"bandwidth_fraction\":%s}",
                    type, shape.role, shape.rows, shape.cols, m, fmt(seconds * 1e6), fmt(gbps()), fmt(gflops()),
                    fmt(gbps() / bandwidth));
        }
    }

    private static Result measure(Kernels kernels, GgmlType type, Shape shape, int m, double seconds) {
        long matrixBytes = type.bytesFor((long) shape.rows * shape.cols);
        // decode reads from memory (many copies); prefill is about compute, a few copies suffice
        int copies = m == 1 ? (int) Math.max(2, DECODE_POOL_BYTES / matrixBytes) : 2;
        Arena arena = Arena.ofShared();
        try (arena) {
            MemorySegment pool = arena.allocate(matrixBytes * copies, 64);
            fillRandom(pool, type);
            Tensor[] ws = new Tensor[copies];
            for (int c = 0; c < copies; c++) {
                ws[c] = new Tensor("bench." + c, type, new long[] {shape.cols, shape.rows},
                        pool.asSlice(c * matrixBytes, matrixBytes));
            }
            float[] x = new float[m * shape.cols];
            Random rnd = new Random(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] out = new float[m * shape.rows];
            // warm up (JIT), then the best of several timed passes over all copies
            long deadline = System.nanoTime() + (long) (seconds * 0.5e9);
            int c = 0;
            while (System.nanoTime() < deadline) {
                kernels.matmul(ws[c++ % copies], x, m, out);
            }
            double best = Double.MAX_VALUE;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            int passes = 0;
            while (System.nanoTime() < end || passes < 3) {
                int n = Math.max(1, Math.min(copies, (int) (0.02e9 / Math.max(1, best * 1e9))));
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    kernels.matmul(ws[c++ % copies], x, m, out);
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9 / n);
                passes++;
            }
            return new Result(type, shape, m, best, matrixBytes);
        }
    }

    /**
     * Runs the type's kernels until C2 has compiled them (a fixed number of calls, not a time: on a
     * busy machine the compiler threads may get little CPU), so no timed pass runs interpreted code.
     */
    private static void warmUp(Kernels kernels, GgmlType type) {
        int cols = 1024;
        long bytes = type.bytesFor(256L * cols);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(bytes, 64);
            fillRandom(seg, type);
            Tensor w = new Tensor("warmup", type, new long[] {cols, 256}, seg);
            for (int m : new int[] {1, 3, 16}) {
                float[] x = new float[m * cols];
                float[] out = new float[m * 256];
                int calls = m == 1 ? 3000 : 300;
                for (int i = 0; i < calls; i++) {
                    kernels.matmul(w, x, m, out);
                }
            }
        }
    }

    private static void fillRandom(MemorySegment seg, GgmlType type) {
        Random rnd = new Random(42);
        ValueLayout.OfShort i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        if (type == GgmlType.F32) {
            for (long o = 0; o < seg.byteSize(); o += 4) {
                seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, o, (float) rnd.nextGaussian() * 0.05f);
            }
            return;
        }
        if (type == GgmlType.F16 || type == GgmlType.BF16) {
            for (long o = 0; o < seg.byteSize(); o += 2) {
                float v = (float) rnd.nextGaussian() * 0.05f;
                seg.set(i16, o, type == GgmlType.F16 ? Float.floatToFloat16(v) : (short) (Float.floatToIntBits(v) >>> 16));
            }
            return;
        }
        byte[] buf = new byte[1 << 16];
        for (long o = 0; o < seg.byteSize(); o += buf.length) {
            rnd.nextBytes(buf);
            MemorySegment.copy(MemorySegment.ofArray(buf), 0, seg, o, Math.min(buf.length, seg.byteSize() - o));
        }
        short scale = Float.floatToFloat16(0.001f);
        long bb = type.blockBytes();
        long scaleAt = switch (type) {
            case Q6_K -> 208;
            default -> 0;
        };
        for (long o = 0; o < seg.byteSize(); o += bb) {
            seg.set(i16, o + scaleAt, scale);
            if (type == GgmlType.Q4_K) {
                seg.set(i16, o + 2, scale);
            }
        }
    }

    /** Read bandwidth: a vectorised sum over 1 GiB split over the lane's threads, best of 3. */
    public static double readBandwidth(ComputeLane lane) {
        long bytes = 1L << 30;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(bytes, 4096);
            seg.fill((byte) 1);
            int parts = lane.threads() * 16;
            long part = bytes / parts;
            float[] sink = new float[parts];
            double best = 0;
            for (int rep = 0; rep < 4; rep++) {
                long t0 = System.nanoTime();
                lane.forEachRange(parts, 1, (w, s, e) -> {
                    for (int p = s; p < e; p++) {
                        sink[p] = sum(seg, p * part, part);
                    }
                });
                double gbps = bytes / ((System.nanoTime() - t0) / 1e9) / 1e9;
                if (rep > 0) {
                    best = Math.max(best, gbps);
                }
            }
            if (Float.isNaN(sink[0])) {
                System.err.println("impossible");
            }
            return best;
        }
    }

    private static float sum(MemorySegment s, long from, long len) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        long step = 4L * F.vectorByteSize();
        long end = from + len - len % step;
        for (long o = from; o < end; o += step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, s, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, s, o + F.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, s, o + 2L * F.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, s, o + 3L * F.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /** Nanoseconds of one empty job split over all lane threads. */
    static double laneJobNanos(ComputeLane lane) {
        int[] sink = new int[lane.threads()];
        for (int i = 0; i < 20000; i++) {
            lane.forEachRange(lane.threads(), 1, (w, s, e) -> sink[w]++);
        }
        int n = 100000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            lane.forEachRange(lane.threads(), 1, (w, s, e) -> sink[w]++);
        }
        return (System.nanoTime() - t0) / (double) n;
    }

    /** Nanoseconds of one empty job split into one task per thread on a ForkJoinPool, for comparison. */
    static double forkJoinJobNanos(int threads) {
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            int[] sink = new int[threads];
            Runnable job = () -> {
                List<ForkJoinTask<?>> tasks = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int tt = t;
                    tasks.add(ForkJoinTask.adapt(() -> sink[tt]++));
                }
                ForkJoinTask.invokeAll(tasks);
            };
            for (int i = 0; i < 20000; i++) {
                pool.invoke(ForkJoinTask.adapt(job));
            }
            int n = 100000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                pool.invoke(ForkJoinTask.adapt(job));
            }
            return (System.nanoTime() - t0) / (double) n;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
