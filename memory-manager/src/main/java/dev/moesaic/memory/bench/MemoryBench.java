package dev.moesaic.memory.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.moesaic.memory.DevicePool;
import dev.moesaic.memory.ExpertSlots;
import dev.moesaic.nativebind.libc.Libc;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Re-lays a layer of expert slots (1 GiB by default) into a new slot order twice in the same run: by remapping
 * pages ({@link ExpertSlots#relayout}, zero bytes copied) and by copying every expert to its new slot with
 * {@code MemorySegment.copy} into a second, already-faulted set of slots (what a system without remapping must
 * do). Prints the times, GB/s and their ratio; {@code --json} prints one JSON object instead.
 *
 * <pre>
 *   MemoryBench [--json] [--bytes 1G] [--page-size 2M] [--expert-bytes 16M] [--repeats 5]
 * </pre>
 */
public final class MemoryBench {
    record Options(boolean json, long bytes, long pageBytes, long expertBytes, int repeats) {
    }

    record Timing(double medianSeconds, double bestSeconds) {
    }

    private MemoryBench() {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("memory bench: " + e.getMessage());
            System.err.println("usage: MemoryBench [--json] [--bytes 1G] [--page-size 2M] [--expert-bytes 16M] [--repeats 5]");
            System.exit(2);
            return;
        }
        System.out.println(run(options));
    }

    static String run(Options o) {
        int experts = (int) (o.bytes() / o.expertBytes());
        long layerBytes = experts * o.expertBytes();
        long slotBytes = (o.expertBytes() + o.pageBytes() - 1) / o.pageBytes() * o.pageBytes();
        long capacity = 2 * experts * slotBytes;
        Random random = new Random(42);
        try (DevicePool pool = DevicePool.open("bench", capacity, o.pageBytes());
                ExpertSlots layer = ExpertSlots.create(pool, "layer", experts, o.expertBytes());
                ExpertSlots copyTarget = ExpertSlots.create(pool, "copy target", experts, o.expertBytes())) {
            for (int slot = 0; slot < experts; slot++) {
                int expert = slot;
                layer.place(slot, expert, target -> stamp(target, expert));
                copyTarget.place(slot, expert, target -> stamp(target, -1)); // faulted in, like a live buffer
            }
            long copiedBefore = pool.snapshot().bytesCopiedIn();
            long remapsBefore = pool.snapshot().remaps();

            double[] remap = new double[o.repeats()];
            double[] remapTouched = new double[o.repeats()];
            double[] copy = new double[o.repeats()];
            for (int round = 0; round < o.repeats(); round++) {
                int[] sources = derangement(random, experts);
                int[] expected = new int[experts];
                for (int slot = 0; slot < experts; slot++) {
                    expected[slot] = layer.expertAt(sources[slot]);
                }

                // by copying: every expert to its new slot in the second set of slots
                long start = System.nanoTime();
                for (int slot = 0; slot < experts; slot++) {
                    MemorySegment.copy(layer.slotSegment(sources[slot]), 0, copyTarget.slotSegment(slot), 0,
                            o.expertBytes());
                }
                copy[round] = seconds(start);
                verify(copyTarget, expected, "copy");

                // by remapping: the same new order, zero bytes copied
                start = System.nanoTime();
                layer.relayout(sources);
                remap[round] = seconds(start);
                long touchStart = System.nanoTime();
                touchEveryPage(layer, experts);
                remapTouched[round] = remap[round] + seconds(touchStart);
                verify(layer, expected, "remap");
            }
            long bytesCopiedByRemap = pool.snapshot().bytesCopiedIn() - copiedBefore;
            long remapCalls = pool.snapshot().remaps() - remapsBefore;
            Timing remapTiming = timing(remap);
            Timing touchedTiming = timing(remapTouched);
            Timing copyTiming = timing(copy);
            return o.json()
                    ? json(o, experts, layerBytes, slotBytes, remapTiming, touchedTiming, copyTiming, bytesCopiedByRemap,
                            remapCalls)
                    : text(o, experts, layerBytes, remapTiming, touchedTiming, copyTiming, bytesCopiedByRemap);
        }
    }

    private static String json(Options o, int experts, long layerBytes, long slotBytes, Timing remap, Timing touched,
            Timing copy, long bytesCopiedByRemap, long remapCalls) {
        return String.format(Locale.ROOT, "{\"benchmark\":\"memory-relayout\",\"bytes\":%d,\"pageBytes\":%d,"
                + "\"expertBytes\":%d,\"slotBytes\":%d,\"experts\":%d,\"repeats\":%d,"
                + "\"remap\":{\"seconds\":%.6f,\"bestSeconds\":%.6f,\"gbPerSecond\":%.2f,\"bytesCopied\":%d,\"remaps\":%d},"
                + "\"remapThenTouchEveryPage\":{\"seconds\":%.6f,\"bestSeconds\":%.6f,\"gbPerSecond\":%.2f},"
                + "\"copy\":{\"seconds\":%.6f,\"bestSeconds\":%.6f,\"gbPerSecond\":%.2f,\"bytesCopied\":%d,"
                + "\"extraBytesNeeded\":%d},"
                + "\"copyOverRemapRatio\":%.1f,\"copyOverRemapThenTouchRatio\":%.1f}",
                layerBytes, o.pageBytes(), o.expertBytes(), slotBytes, experts, o.repeats(),
                remap.medianSeconds(), remap.bestSeconds(), gbPerSecond(layerBytes, remap), bytesCopiedByRemap,
                remapCalls / o.repeats(),
                touched.medianSeconds(), touched.bestSeconds(), gbPerSecond(layerBytes, touched),
                copy.medianSeconds(), copy.bestSeconds(), gbPerSecond(layerBytes, copy), layerBytes, experts * slotBytes,
                copy.medianSeconds() / remap.medianSeconds(), copy.medianSeconds() / touched.medianSeconds());
    }

    private static String text(Options o, int experts, long layerBytes, Timing remap, Timing touched, Timing copy,
            long bytesCopiedByRemap) {
        return String.format(Locale.ROOT, """
                re-laying %d experts of %d bytes (%.2f GiB, %d-byte pages), median of %d:
                  remap                       %9.3f ms  %8.1f GB/s  (%d bytes copied)
                  remap + touch every page    %9.3f ms  %8.1f GB/s
                  copy (MemorySegment.copy)   %9.3f ms  %8.1f GB/s  (needs a second %.2f GiB)
                  copy / remap = %.1fx, copy / (remap + touch) = %.1fx""",
                experts, o.expertBytes(), layerBytes / (double) (1L << 30), o.pageBytes(), o.repeats(),
                remap.medianSeconds() * 1e3, gbPerSecond(layerBytes, remap), bytesCopiedByRemap,
                touched.medianSeconds() * 1e3, gbPerSecond(layerBytes, touched),
                copy.medianSeconds() * 1e3, gbPerSecond(layerBytes, copy), layerBytes / (double) (1L << 30),
                copy.medianSeconds() / remap.medianSeconds(), copy.medianSeconds() / touched.medianSeconds());
    }

    /** The expert id in the first long of every OS page, so a verification can find misplaced pages cheaply. */
    private static void stamp(MemorySegment target, long expert) {
        long osPage = Libc.pageSize();
        target.fill((byte) expert);
        for (long offset = 0; offset + Long.BYTES <= target.byteSize(); offset += osPage) {
            target.set(JAVA_LONG, offset, expert);
        }
    }

    /** Reads one long per OS page: after a remap the page tables fill in lazily, on first touch. */
    private static long touchEveryPage(ExpertSlots slots, int experts) {
        long osPage = Libc.pageSize();
        long sum = 0;
        for (int slot = 0; slot < experts; slot++) {
            MemorySegment segment = slots.slotSegment(slot);
            for (long offset = 0; offset + Long.BYTES <= segment.byteSize(); offset += osPage) {
                sum += segment.get(JAVA_LONG, offset);
            }
        }
        return sum;
    }

    private static void verify(ExpertSlots slots, int[] expected, String method) {
        long osPage = Libc.pageSize();
        for (int slot = 0; slot < expected.length; slot++) {
            MemorySegment segment = slots.slotSegment(slot);
            long last = (segment.byteSize() - Long.BYTES) / osPage * osPage;
            if (segment.get(JAVA_LONG, 0) != expected[slot] || segment.get(JAVA_LONG, last) != expected[slot]) {
                throw new IllegalStateException("re-layout by " + method + " put the wrong expert in slot " + slot);
            }
        }
    }

    /** A permutation that moves every slot, so every expert is re-laid. */
    private static int[] derangement(Random random, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i); // Sattolo: one cycle through all n
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    static Timing timing(double[] seconds) {
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        return new Timing(sorted[sorted.length / 2], sorted[0]);
    }

    private static double gbPerSecond(long bytes, Timing timing) {
        return bytes / timing.medianSeconds() / 1e9;
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static Options parse(String[] args) {
        boolean json = false;
        long bytes = 1L << 30;
        long pageBytes = DevicePool.DEFAULT_PAGE_BYTES;
        long expertBytes = 16L << 20;
        int repeats = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = true;
                case "--bytes" -> bytes = size(args, ++i);
                case "--page-size" -> pageBytes = size(args, ++i);
                case "--expert-bytes" -> expertBytes = size(args, ++i);
                case "--repeats" -> repeats = (int) size(args, ++i);
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        if (expertBytes <= 0 || bytes / expertBytes < 2) {
            throw new IllegalArgumentException("--bytes (" + bytes + ") must hold at least two experts of --expert-bytes ("
                    + expertBytes + ")");
        }
        if (repeats <= 0) {
            throw new IllegalArgumentException("--repeats must be positive, got " + repeats);
        }
        return new Options(json, bytes, pageBytes, expertBytes, repeats);
    }

    /** A size like {@code 1073741824}, {@code 64M} or {@code 1G} (powers of 1024). */
    static long size(String[] args, int index) {
        if (index >= args.length) {
            throw new IllegalArgumentException(args[index - 1] + " needs a value");
        }
        String text = args[index].trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        char last = text.isEmpty() ? ' ' : text.charAt(text.length() - 1);
        if (last == 'K' || last == 'M' || last == 'G') {
            unit = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
            text = text.substring(0, text.length() - 1);
        }
        try {
            return Long.parseLong(text) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(args[index - 1] + " expects a size like 1073741824, 64M or 1G, got '"
                    + args[index] + "'");
        }
    }
}
