package dev.moesaic.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import dev.moesaic.engine.kernel.Dequantize;
import dev.moesaic.engine.quant.WeightQuantizer;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance "bad model files": a GGUF cut at any structural boundary or with corrupted header bytes
 * must either open (when the damage is harmless, say inside a string) or fail with a
 * {@link GgufFormatException} naming the file and the problem. Never another exception, never a huge
 * allocation, never a hang. Every case runs the real {@link GgufFile#open} on a real file.
 */
class GgufFileCorruptionTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Generous: the whole test takes well under 20 s of CPU; this only has to catch a parser that never returns. */
    private static final Duration PER_FILE_DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static long cpuMillis(long startedCpuNanos) {
        return (THREADS.getCurrentThreadCpuTime() - startedCpuNanos) / 1_000_000;
    }

    /** Outcome counts and the worst heap allocation seen over a batch of cases. */
    private static final class Tally {
        int opened;
        int rejected;
        long maxAllocated;

        @Override
        public String toString() {
            return opened + " opened, " + rejected + " rejected, max " + (maxAllocated >> 10) + " KiB allocated";
        }
    }

    /** How a case is opened: the real {@link GgufFile#open} on a file, or the same parser on bytes in memory. */
    @FunctionalInterface
    private interface Opener {
        GgufFile open();
    }

    /** The real thing: map the file at {@code p}. */
    private static void check(Path p, String what, Boolean mustOpen, long allocationLimit, Tally tally) {
        check(p, () -> GgufFile.open(p), what, mustOpen, allocationLimit, tally);
    }

    /** The same parser over the first {@code length} bytes of {@code bytes}, as if they were the file {@code p}. */
    private static void check(Path p, byte[] bytes, int length, String what, Boolean mustOpen, Tally tally) {
        check(p, () -> GgufFile.parse(p, MemorySegment.ofArray(bytes).asSlice(0, length)), what, mustOpen, allocationLimit(bytes.length),
                tally);
    }

    /**
     * Opens a case and classifies the result. {@code mustOpen}: true/false when the outcome is known,
     * null when either is fine.
     */
    private static void check(Path p, Opener opener, String what, Boolean mustOpen, long allocationLimit, Tally tally) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        boolean opened;
        try (GgufFile f = opener.open()) {
            useEverything(f);
            opened = true;
        } catch (GgufFormatException e) {
            if (!e.getMessage().startsWith(p.toString() + ": invalid GGUF")) {
                fail(what + ": message does not name the file and say what is wrong: " + e.getMessage());
            }
            opened = false;
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t + " instead of a GgufFormatException", t);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        tally.maxAllocated = Math.max(tally.maxAllocated, allocated);
        if (allocated > allocationLimit) {
            fail(what + ": allocated " + allocated + " bytes (limit " + allocationLimit + ")");
        }
        if (mustOpen != null && mustOpen != opened) {
            fail(what + (opened ? ": opened although data it needs is missing" : ": rejected although nothing it needs is missing"));
        }
        if (opened) {
            tally.opened++;
        } else {
            tally.rejected++;
        }
    }

    /** Whatever opened must be safe to use: every tensor lies inside the file and decodes. */
    private static void useEverything(GgufFile f) {
        long size = f.mapping().byteSize();
        for (String key : f.metadata().keySet()) {
            assertThat(f.valueType(key)).isNotNull();
        }
        float[] row = new float[0];
        for (GgufTensorInfo info : f.tensors().values()) {
            if (info.offset() < f.dataOffset() || info.offset() % f.alignment() != 0 || info.offset() + info.byteSize() > size
                    || info.byteSize() != info.type().bytesFor(info.elementCount())) {
                fail(f.path() + ": tensor " + info.name() + " at " + info.offset() + "+" + info.byteSize() + " accepted in a file of " + size);
            }
            Tensor t = new Tensor(info.name(), info.type(), info.shape(), f.tensorData(info));
            if (row.length < t.cols()) {
                row = new float[t.cols()];
            }
            Dequantize.row(t, 0, row, 0);
            Dequantize.row(t, (int) (t.elementCount() / t.cols() - 1), row, 0);
        }
    }

    private static long allocationLimit(long fileSize) {
        // Parsing keeps the metadata on the heap: a few times the header; never anything near a huge count.
        return (64L << 20) + 24 * fileSize;
    }

    private static List<Path> files(Path dir) throws IOException {
        List<Path> out = new ArrayList<>(GgufWriterTest.fixtureFiles());
        out.add(smallFile(dir.resolve("small.gguf")));
        return out;
    }

    /** A small file with every metadata type, nested arrays, a custom alignment and every tensor type in 1-4 dimensions. */
    static Path smallFile(Path path) {
        Random rnd = new Random(6);
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "tiny")
                .putUInt32("general.alignment", 64)
                .put("u8", GgufValueType.UINT8, 7L).put("i8", GgufValueType.INT8, -7L)
                .put("u16", GgufValueType.UINT16, 700L).put("i16", GgufValueType.INT16, -700L)
                .putInt32("i32", -70000).put("u64", GgufValueType.UINT64, 1L << 40).put("i64", GgufValueType.INT64, -(1L << 40))
                .putFloat32("f32", 0.5f).put("f64", GgufValueType.FLOAT64, 0.25).putBool("b", true)
                .putArray("tokens", new GgufArray(GgufValueType.STRING, new String[] {"<s>", "a", "bc", "", "déf"}))
                .putArray("scores", new GgufArray(GgufValueType.FLOAT32, new float[] {0f, -1f, -2f}))
                .putArray("ids", new GgufArray(GgufValueType.INT32, new long[] {1, 2, 3}))
                .putArray("nested", new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
                        new GgufArray(GgufValueType.UINT8, new long[] {1, 2}),
                        new GgufArray(GgufValueType.STRING, new String[] {"x"})}));
        long[][] shapes = {{256}, {256, 2}, {256, 1, 2}, {256, 1, 1, 2}};
        int k = 0;
        for (GgmlType type : GgmlType.values()) {
            long[] shape = shapes[k++ % shapes.length];
            float[] x = new float[(int) (shape.length == 1 ? 256 : 512)];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            w.addTensor("t." + type.name().toLowerCase(), type, shape, MemorySegment.ofArray(WeightQuantizer.quantize(type, x)));
        }
        // 12 bytes followed by 52 bytes of padding: cuts inside the padding must still open.
        w.addTensor("t.last", GgmlType.F32, new long[] {3}, MemorySegment.ofArray(new float[] {1f, 2f, 3f}));
        w.write(path);
        return path;
    }

    /** Files whose header is too large to parse thousands of times (the vocabularies: 1-2 MB of strings). */
    private static boolean bigHeader(GgufLayout layout) {
        return layout.headerEnd() > (256 << 10);
    }

    /** Every structural boundary of a file: each field's first, middle and last byte, the padding, each tensor's ends. */
    private static TreeSet<Long> cutPoints(GgufLayout layout, long fileSize, Random rnd) {
        TreeSet<Long> cuts = new TreeSet<>();
        cuts.add(0L);
        for (GgufLayout.Field field : layout.fields()) {
            cuts.add(field.offset());
            cuts.add(field.offset() + Math.max(1, field.size() / 2));
            cuts.add(field.offset() + field.size() - 1);
        }
        cuts.add(layout.headerEnd());
        cuts.add(layout.dataOffset() - 1);
        cuts.add(layout.dataOffset());
        for (long[] r : layout.tensorRanges()) {
            cuts.addAll(List.of(r[0], r[0] + 1, r[0] + r[1] / 2, r[0] + r[1] - 1, r[0] + r[1]));
        }
        for (int i = 0; i < 40; i++) {
            cuts.add((long) rnd.nextInt((int) fileSize));
        }
        cuts.add(fileSize - 1);
        cuts.removeIf(c -> c < 0 || c >= fileSize);
        return cuts;
    }

    private static TreeSet<Long> everyNth(TreeSet<Long> all, int n) {
        TreeSet<Long> out = new TreeSet<>();
        int i = 0;
        for (long v : all) {
            if (i++ % n == 0) {
                out.add(v);
            }
        }
        out.add(all.last());
        return out;
    }

    @Test
    void truncatedFilesOpenOnlyWhenEveryTensorIsStillCompleteAndOtherwiseFailWithAFormatError() throws IOException {
        List<String> report = new ArrayList<>();
        for (Path original : files(dir)) {
            // One deadline per file: a parser that loops forever on some corruption fails here.
            assertTimeoutPreemptively(PER_FILE_DEADLINE, () -> {
                byte[] bytes = Files.readAllBytes(original);
                String name = original.getFileName().toString();
                // Every array element's boundaries for the small file and one real model; the first
                // three and the last element of each array elsewhere (the rest repeat the same structure).
                GgufLayout layout = GgufLayout.of(bytes, name.equals("small.gguf") || name.equals("tiny-qwen3moe.gguf"));
                long started = THREADS.getCurrentThreadCpuTime();
                TreeSet<Long> cuts = cutPoints(layout, bytes.length, new Random(name.hashCode()));
                if (bigHeader(layout)) {
                    cuts = everyNth(cuts, cuts.size() / 150 + 1); // the vocabularies take milliseconds per parse
                }
                Tally inMemory = new Tally();
                for (long length : cuts) {
                    check(original, bytes, (int) length, name + " cut at " + length + " of " + bytes.length,
                            length >= layout.requiredLength(), inMemory);
                }
                // The same through real files and GgufFile.open (mapping, shared arena): a spread of the cuts.
                Tally onDisk = new Tally();
                Path cut = dir.resolve("cut-" + name);
                List<Long> all = new ArrayList<>(cuts);
                int step = Math.max(1, all.size() / (bigHeader(layout) ? 10 : 40));
                try (FileChannel ch = FileChannel.open(cut, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    for (int i = 0; i < all.size(); i += step) {
                        long length = all.get(i);
                        ch.truncate(0);
                        ch.write(ByteBuffer.wrap(bytes, 0, (int) length), 0);
                        check(cut, name + " file cut at " + length + " of " + bytes.length, length >= layout.requiredLength(),
                                allocationLimit(bytes.length), onDisk);
                    }
                }
                assertThat(inMemory.rejected).as(name).isGreaterThan(cuts.size() / 2);
                report.add(name + ": " + cuts.size() + " cuts in memory (" + inMemory + "), " + (onDisk.opened + onDisk.rejected)
                        + " as files (" + onDisk + "), " + cpuMillis(started) + " ms CPU");
            });
        }
        System.out.println("[truncation] " + String.join("\n[truncation] ", report));
    }

    @Test
    void corruptedHeaderBytesEitherOpenHarmlesslyOrFailWithAFormatError() throws IOException {
        List<String> report = new ArrayList<>();
        for (Path original : files(dir)) {
            assertTimeoutPreemptively(PER_FILE_DEADLINE, () -> {
                byte[] bytes = Files.readAllBytes(original);
                String name = original.getFileName().toString();
                GgufLayout layout = GgufLayout.of(bytes, false);
                boolean big = bigHeader(layout);
                Tally tally = new Tally();
                int cases = 0;
                long started = THREADS.getCurrentThreadCpuTime();
                InMemory mem = new InMemory(original, bytes, name, tally);
                boolean small = name.equals("small.gguf");
                // 1. Header bytes inverted: every one for the small file, a seeded sample elsewhere.
                Random rnd = new Random(name.hashCode() * 31L);
                int header = (int) layout.headerEnd();
                int sampled = small ? header : big ? 12 : 600;
                for (int i = 0; i < sampled; i++) {
                    int at = small ? i : rnd.nextInt(header);
                    mem.set(at, new byte[] {(byte) ~bytes[at]}, "byte " + at + " inverted");
                    cases++;
                }
                // 2. Structural fields (counts, lengths, types, n_dims, dims, offsets, the alignment): every
                //    bit, then hostile values. In tensor infos every bit only for the first and the last
                //    tensor; in the vocabulary files (slow to parse) a few hostile values in the first fields.
                List<GgufLayout.Field> fields = layout.fields();
                int tensors = (int) fields.stream().filter(f -> f.kind() == GgufLayout.Kind.NAME_LENGTH).count();
                int tensor = -1;
                for (int k = 0; k < fields.size(); k++) {
                    GgufLayout.Field f = fields.get(k);
                    if (f.kind() == GgufLayout.Kind.NAME_LENGTH) {
                        tensor++;
                    }
                    if (!f.kind().isStructural() || (big && k >= 12)) {
                        continue;
                    }
                    boolean everyBit = !big && (small || tensor < 1 || tensor >= tensors - 1);
                    for (int bit = 0; everyBit && bit < f.size() * 8; bit++) {
                        byte[] v = java.util.Arrays.copyOfRange(bytes, (int) f.offset(), (int) f.offset() + f.size());
                        v[bit / 8] ^= (byte) (1 << bit % 8);
                        mem.set(f.offset(), v, f.what() + " bit " + bit);
                        cases++;
                    }
                    long value = read(bytes, f.offset(), f.size());
                    long[] hostile = big
                            ? new long[] {0, -1, 1L << 31, value + 1}
                            : new long[] {0, 1, 2, 3, 5, 12, 13, 16, 30, 31, 39, -1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE,
                                    1L << 31, 1L << 32, bytes.length, bytes.length + 1L, value + 1, value - 1, value * 2, value + 32};
                    for (long h : hostile) {
                        mem.set(f.offset(), encode(h, f.size()), f.what() + " = " + h);
                        cases++;
                    }
                }
                // 3. A sample of the same header corruptions through real files and GgufFile.open.
                Tally onDisk = new Tally();
                Path work = dir.resolve("flip-" + name);
                Files.write(work, bytes);
                int onDiskCases = small ? 100 : 10;
                try (FileChannel ch = FileChannel.open(work, StandardOpenOption.WRITE)) {
                    for (int i = 0; i < onDiskCases; i++) {
                        int at = rnd.nextInt(header);
                        ch.write(ByteBuffer.wrap(new byte[] {(byte) ~bytes[at]}), at);
                        check(work, name + " file byte " + at + " inverted", null, allocationLimit(bytes.length), onDisk);
                        ch.write(ByteBuffer.wrap(bytes, at, 1), at);
                    }
                }
                assertThat(tally.rejected).as(name).isPositive();
                report.add(name + ": " + cases + " corruptions in memory (" + tally + "), " + onDiskCases + " as files (" + onDisk + "), "
                        + cpuMillis(started) + " ms CPU");
            });
        }
        System.out.println("[corruption] " + String.join("\n[corruption] ", report));
    }

    /** Writes a corrupted value into the bytes, checks them, and restores the original bytes. */
    private record InMemory(Path original, byte[] bytes, String name, Tally tally) {
        void set(long at, byte[] value, String what) {
            byte[] saved = java.util.Arrays.copyOfRange(bytes, (int) at, (int) at + value.length);
            System.arraycopy(value, 0, bytes, (int) at, value.length);
            try {
                check(original, bytes, bytes.length, name + ": " + what, null, tally);
            } finally {
                System.arraycopy(saved, 0, bytes, (int) at, value.length);
            }
        }
    }

    private static long read(byte[] b, long at, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = v << 8 | (b[(int) at + i] & 0xff);
        }
        return v;
    }

    private static byte[] encode(long v, int size) {
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) {
            out[i] = (byte) (v >>> 8 * i);
        }
        return out;
    }

    /**
     * Lengths and counts beyond 2^31 in a file larger than 2 GiB (sparse, so it costs no disk): they fit
     * the file, but a Java array cannot hold them, and the metadata must not try to.
     */
    @Test
    void countsAndLengthsBeyondWhatTheHeapCanHoldAreRejected() throws IOException {
        long size = (1L << 31) + (1 << 16);
        Tally tally = new Tally();
        long limit = 256L << 20;
        String[] cases = {"u8 array of 2^31+16", "string of 2^31+16 bytes", "string array of 2^28 empty strings", "f32 array of 2^29"};
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < cases.length; i++) {
                Path p = dir.resolve("huge-" + i + ".gguf");
                ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
                h.putInt(0x46554747).putInt(3).putLong(0).putLong(1).putLong(1).put((byte) 'a');
                switch (i) {
                    case 0 -> h.putInt(9).putInt(0).putLong((1L << 31) + 16);
                    case 1 -> h.putInt(8).putLong((1L << 31) + 16);
                    case 2 -> h.putInt(9).putInt(8).putLong(1L << 28);
                    default -> h.putInt(9).putInt(6).putLong(1L << 29);
                }
                h.flip();
                try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
                    raf.setLength(size);
                    raf.getChannel().write(h, 0);
                }
                check(p, cases[i], false, limit, tally);
                Files.delete(p);
            }
        });
        assertThat(tally.rejected).isEqualTo(cases.length);
    }

    @Test
    void missingFilesDirectoriesAndNonGgufFilesFailWithAFormatError() throws IOException {
        Tally tally = new Tally();
        check(dir.resolve("absent.gguf"), "missing file", false, 1 << 20, tally);
        check(dir, "a directory", false, 1 << 20, tally);
        Path text = Files.writeString(dir.resolve("notes.gguf"), "this is not a model file, just some text long enough");
        check(text, "a text file", false, 1 << 20, tally);
        Path empty = Files.write(dir.resolve("empty.gguf"), new byte[0]);
        check(empty, "an empty file", false, 1 << 20, tally);
        assertThat(tally.rejected).isEqualTo(4);
    }
}
