package dev.moesaic.memory.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.moesaic.memory.CopyEngine;
import dev.moesaic.memory.DevicePool;
import dev.moesaic.memory.ExpertSlots;
import dev.moesaic.nativebind.libc.Libc;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * What a scale-up's prepare phase does to memory: moves a layer of experts (1 GiB by default) from one device's pool
 * into empty slots of another's, so every target page is new, then reads every page once (the new device's first
 * use). Twice per round, by both {@link CopyEngine.Method}s: the kernel copy between the memfds against a copy
 * through the pools' mappings, which faults and zero-fills each target page first. The targets are released between
 * rounds, as a scale-down would. Prints the median times and their ratio; {@code --json} prints one JSON object.
 *
 * <pre>
 *   PeerCopyBench [--json] [--bytes 1G] [--expert-bytes 9M] [--page-size 64K] [--repeats 5]
 * </pre>
 */
public final class PeerCopyBench {
    record Options(boolean json, long bytes, long expertBytes, long pageBytes, int repeats) {
    }

    private PeerCopyBench() {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("peer copy bench: " + e.getMessage());
            System.err.println("usage: PeerCopyBench [--json] [--bytes 1G] [--expert-bytes 9M] [--page-size 64K] [--repeats 5]");
            System.exit(2);
            return;
        }
        System.out.println(run(options));
    }

    static String run(Options o) {
        int experts = (int) (o.bytes() / o.expertBytes());
        long slotBytes = (o.expertBytes() + o.pageBytes() - 1) / o.pageBytes() * o.pageBytes();
        long moved = experts * o.expertBytes();
        CopyEngine.Method[] methods = CopyEngine.Method.values();
        double[][] copy = new double[methods.length][o.repeats()];
        double[][] firstRead = new double[methods.length][o.repeats()];
        try (DevicePool from = DevicePool.open("peer-copy-from", experts * slotBytes, o.pageBytes());
                DevicePool to = DevicePool.open("peer-copy-to", experts * slotBytes, o.pageBytes());
                ExpertSlots source = ExpertSlots.create(from, "source", experts, o.expertBytes());
                ExpertSlots target = ExpertSlots.create(to, "target", experts, o.expertBytes())) {
            for (int e = 0; e < experts; e++) {
                long stamp = e;
                source.place(e, e, s -> s.fill((byte) stamp));
            }
            for (int round = 0; round < o.repeats(); round++) {
                for (int m = 0; m < methods.length; m++) {
                    CopyEngine engine = CopyEngine.unlimited(methods[m]);
                    long start = System.nanoTime();
                    for (int e = 0; e < experts; e++) {
                        source.copyTo(e, target, e, engine);
                    }
                    copy[m][round] = MemoryBench.seconds(start);
                    start = System.nanoTime();
                    long sum = readEveryPage(target, experts);
                    firstRead[m][round] = MemoryBench.seconds(start);
                    if (sum != expectedSum(experts, o.expertBytes())) {
                        throw new IllegalStateException("the " + methods[m] + " copy delivered wrong bytes");
                    }
                    for (int e = 0; e < experts; e++) {
                        target.release(e);
                    }
                }
            }
        }
        double kernel = median(copy[0]) + median(firstRead[0]);
        double mapped = median(copy[1]) + median(firstRead[1]);
        if (o.json()) {
            return String.format(Locale.ROOT, "{\"benchmark\":\"peer-copy\",\"bytes\":%d,\"expertBytes\":%d,\"pageBytes\":%d,"
                            + "\"experts\":%d,\"repeats\":%d,"
                            + "\"kernel\":{\"copySeconds\":%.6f,\"firstReadSeconds\":%.6f,\"gbPerSecond\":%.2f},"
                            + "\"mapped\":{\"copySeconds\":%.6f,\"firstReadSeconds\":%.6f,\"gbPerSecond\":%.2f},"
                            + "\"mappedOverKernelRatio\":%.2f}",
                    moved, o.expertBytes(), o.pageBytes(), experts, o.repeats(),
                    median(copy[0]), median(firstRead[0]), moved / kernel / 1e9,
                    median(copy[1]), median(firstRead[1]), moved / mapped / 1e9, mapped / kernel);
        }
        return String.format(Locale.ROOT, """
                moving %d experts of %d bytes (%.2f GiB) into new pages of another pool, %d-byte pages, median of %d:
                  kernel (copy_file_range)     copy %8.1f ms + first read %7.1f ms  %6.2f GB/s
                  mapped (MemorySegment.copy)  copy %8.1f ms + first read %7.1f ms  %6.2f GB/s
                  mapped / kernel = %.2fx""",
                experts, o.expertBytes(), moved / (double) (1L << 30), o.pageBytes(), o.repeats(),
                median(copy[0]) * 1e3, median(firstRead[0]) * 1e3, moved / kernel / 1e9,
                median(copy[1]) * 1e3, median(firstRead[1]) * 1e3, moved / mapped / 1e9, mapped / kernel);
    }

    /** One long per OS page, as a device's first pass over its new experts does. */
    private static long readEveryPage(ExpertSlots slots, int experts) {
        long osPage = Libc.pageSize();
        long sum = 0;
        for (int e = 0; e < experts; e++) {
            MemorySegment s = slots.slotSegment(e);
            for (long offset = 0; offset + Long.BYTES <= slots.expertBytes(); offset += osPage) {
                sum += s.get(JAVA_LONG, offset) & 0xff;
            }
        }
        return sum;
    }

    private static long expectedSum(int experts, long expertBytes) {
        long pagesPerExpert = (expertBytes - Long.BYTES) / Libc.pageSize() + 1;
        long sum = 0;
        for (int e = 0; e < experts; e++) {
            sum += (e & 0xff) * pagesPerExpert;
        }
        return sum;
    }

    private static double median(double[] values) {
        return MemoryBench.timing(values).medianSeconds();
    }

    static Options parse(String[] args) {
        boolean json = false;
        long bytes = 1L << 30;
        long expertBytes = 9L << 20;
        long pageBytes = 64L << 10;
        int repeats = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = true;
                case "--bytes" -> bytes = MemoryBench.size(args, ++i);
                case "--expert-bytes" -> expertBytes = MemoryBench.size(args, ++i);
                case "--page-size" -> pageBytes = MemoryBench.size(args, ++i);
                case "--repeats" -> repeats = (int) MemoryBench.size(args, ++i);
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        if (expertBytes < Long.BYTES || bytes / expertBytes < 1) {
            throw new IllegalArgumentException("--bytes (" + bytes + ") must hold at least one expert of --expert-bytes (" + expertBytes + ")");
        }
        if (repeats <= 0) {
            throw new IllegalArgumentException("--repeats must be positive, got " + repeats);
        }
        return new Options(json, bytes, expertBytes, pageBytes, repeats);
    }
}
