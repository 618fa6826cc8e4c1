package dev.moesaic.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.engine.quant.WeightQuantizer;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.testing.Fixtures;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    @TempDir
    Path dir;

    /** A writer holding everything {@code f} holds, with the same value types, in the same order. */
    static GgufWriter copyOf(GgufFile f) {
        GgufWriter w = new GgufWriter();
        for (Map.Entry<String, Object> kv : f.metadata().entrySet()) {
            w.put(kv.getKey(), f.valueType(kv.getKey()), kv.getValue());
        }
        for (GgufTensorInfo t : f.tensors().values()) {
            w.addTensor(t.name(), t.type(), t.shape(), f.tensorData(t));
        }
        return w;
    }

    /** Every file of the shared model folders that is a GGUF. */
    static List<Path> fixtureFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String folder : new String[] {"gguf", "vocab"}) {
            Path d = Fixtures.model(folder);
            try (DirectoryStream<Path> s = Files.newDirectoryStream(d, "*.gguf")) {
                s.forEach(out::add);
            }
        }
        out.sort(null);
        return out;
    }

    @Test
    void copiesOfTheFixturesAreByteForByteIdenticalToTheOriginals() throws IOException {
        List<Path> files = fixtureFiles();
        assertThat(files).hasSizeGreaterThanOrEqualTo(9);
        for (Path original : files) {
            Path copy = dir.resolve(original.getFileName());
            try (GgufFile f = GgufFile.open(original)) {
                copyOf(f).write(copy);
            }
            assertThat(Files.mismatch(original, copy)).as(original.getFileName().toString()).isEqualTo(-1L);
        }
    }

    @Test
    void roundTripsEveryValueTypeArrayKindAndTensorType() {
        Random rnd = new Random(2);
        GgufWriter w = new GgufWriter()
                .put("u8", GgufValueType.UINT8, 255L)
                .put("i8", GgufValueType.INT8, -128L)
                .put("u16", GgufValueType.UINT16, 65535L)
                .put("i16", GgufValueType.INT16, -32768L)
                .putUInt32("u32", 0xffffffffL)
                .putInt32("i32", Integer.MIN_VALUE)
                .putUInt64("u64", -1L)
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .putFloat32("f32", -0.0f)
                .put("f64", GgufValueType.FLOAT64, Math.PI)
                .putBool("yes", true)
                .putBool("no", false)
                .putString("empty", "")
                .putString("unicode", "Café naïve 😀 日本")
                .putArray("strings", new GgufArray(GgufValueType.STRING, new String[] {"<unk>", "", "▁the"}))
                .putArray("f32s", new GgufArray(GgufValueType.FLOAT32, new float[] {1.5f, Float.NaN, -3f}))
                .putArray("f64s", new GgufArray(GgufValueType.FLOAT64, new double[] {1e300}))
                .putArray("bools", new GgufArray(GgufValueType.BOOL, new boolean[] {true, false, true}))
                .putArray("i32s", new GgufArray(GgufValueType.INT32, new long[] {-1, 2, Integer.MAX_VALUE}))
                .putArray("u8s", new GgufArray(GgufValueType.UINT8, new long[] {0, 255}))
                .putArray("u64s", new GgufArray(GgufValueType.UINT64, new long[] {-1L}))
                .putArray("none", new GgufArray(GgufValueType.INT16, new long[0]))
                .putArray("nested", new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
                        new GgufArray(GgufValueType.STRING, new String[] {"a", "b"}),
                        new GgufArray(GgufValueType.INT8, new long[] {-5})}));
        Map<String, byte[]> data = new java.util.LinkedHashMap<>();
        long[][] shapes = {{256}, {256, 3}, {512, 2, 2}, {256, 1, 2, 2}};
        int k = 0;
        for (GgmlType type : GgmlType.values()) {
            long[] shape = shapes[k++ % shapes.length];
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] x = new float[(int) n];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            byte[] bytes = WeightQuantizer.quantize(type, x);
            data.put(type.name().toLowerCase() + ".weight", bytes);
            w.addTensor(type.name().toLowerCase() + ".weight", type, shape, MemorySegment.ofArray(bytes));
        }
        Path file = dir.resolve("all.gguf");
        w.write(file);

        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.alignment()).isEqualTo(32);
            assertThat(f.metadata()).hasSize(23);
            assertThat(f.get("u8")).isEqualTo(255L);
            assertThat(f.get("i8")).isEqualTo(-128L);
            assertThat(f.get("u16")).isEqualTo(65535L);
            assertThat(f.get("i16")).isEqualTo(-32768L);
            assertThat(f.get("u32")).isEqualTo(0xffffffffL);
            assertThat(f.get("i32")).isEqualTo((long) Integer.MIN_VALUE);
            assertThat(f.get("u64")).isEqualTo(-1L);
            assertThat(f.get("i64")).isEqualTo(Long.MIN_VALUE);
            assertThat(Float.floatToRawIntBits((Float) f.get("f32"))).isEqualTo(0x80000000);
            assertThat(f.get("f64")).isEqualTo(Math.PI);
            assertThat(f.getBoolean("yes", false)).isTrue();
            assertThat(f.getBoolean("no", true)).isFalse();
            assertThat(f.getString("empty", null)).isEmpty();
            assertThat(f.getString("unicode", null)).isEqualTo("Café naïve 😀 日本");
            assertThat(f.getStringArray("strings")).containsExactly("<unk>", "", "▁the");
            assertThat(f.getFloatArray("f32s")).containsExactly(1.5f, Float.NaN, -3f);
            assertThat((double[]) f.getArray("f64s").values()).containsExactly(1e300);
            assertThat((boolean[]) f.getArray("bools").values()).containsExactly(true, false, true);
            assertThat(f.getLongArray("i32s")).containsExactly(-1, 2, Integer.MAX_VALUE);
            assertThat(f.getLongArray("u8s")).containsExactly(0, 255);
            assertThat(f.getLongArray("u64s")).containsExactly(-1L);
            assertThat(f.getArray("none").length()).isZero();
            assertThat(f.getArray("none").elementType()).isEqualTo(GgufValueType.INT16);
            GgufArray[] nested = (GgufArray[]) f.getArray("nested").values();
            assertThat((String[]) nested[0].values()).containsExactly("a", "b");
            assertThat(nested[1].elementType()).isEqualTo(GgufValueType.INT8);
            assertThat((long[]) nested[1].values()).containsExactly(-5);
            assertThat(f.valueType("u16")).isEqualTo(GgufValueType.UINT16);
            assertThat(f.valueType("nested")).isEqualTo(GgufValueType.ARRAY);

            assertThat(f.tensors()).hasSize(GgmlType.values().length);
            k = 0;
            for (GgmlType type : GgmlType.values()) {
                GgufTensorInfo t = f.tensor(type.name().toLowerCase() + ".weight");
                assertThat(t.type()).isEqualTo(type);
                assertThat(t.shape()).containsExactly(shapes[k++ % shapes.length]);
                assertThat(t.offset() % 32).isZero();
                assertThat(f.tensorData(t).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data.get(t.name()));
            }
        }
    }

    @Test
    void writesTensorsFromSegmentsOfAnyKind() {
        float[] values = {1f, -2f, 3.5f};
        Path file = dir.resolve("kinds.gguf");
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(8);
            offHeap.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x0102030405060708L);
            new GgufWriter()
                    .addTensor("floats", GgmlType.F32, new long[] {3}, MemorySegment.ofArray(values))
                    .addTensor("native", GgmlType.F16, new long[] {4}, offHeap)
                    .addTensor("shorts", GgmlType.BF16, new long[] {2}, MemorySegment.ofArray(new short[] {0x3f80, (short) 0xbf80}))
                    .write(file);
        }
        try (GgufFile f = GgufFile.open(file)) {
            MemorySegment floats = f.tensorData(f.tensor("floats"));
            assertThat(floats.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(values);
            assertThat(f.tensorData(f.tensor("native")).get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x0102030405060708L);
            assertThat(f.tensorData(f.tensor("shorts")).toArray(ValueLayout.JAVA_SHORT_UNALIGNED)).containsExactly((short) 0x3f80, (short) 0xbf80);
        }
    }

    @Test
    void honoursACustomAlignment() throws IOException {
        byte[] a = new byte[4 * 3];
        byte[] b = new byte[4 * 5];
        Path file = dir.resolve("aligned.gguf");
        new GgufWriter().putUInt32("general.alignment", 256)
                .addTensor("a", GgmlType.F32, new long[] {3}, MemorySegment.ofArray(a))
                .addTensor("b", GgmlType.F32, new long[] {5}, MemorySegment.ofArray(b))
                .write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.alignment()).isEqualTo(256);
            assertThat(f.dataOffset() % 256).isZero();
            assertThat(f.tensor("a").offset()).isEqualTo(f.dataOffset());
            assertThat(f.tensor("b").offset()).isEqualTo(f.dataOffset() + 256);
        }
        assertThat(Files.size(file) % 256).isZero();
        assertThatThrownBy(() -> new GgufWriter().putUInt32("general.alignment", 48).write(dir.resolve("x.gguf")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
    }

    @Test
    void streamsALargeTensorWithoutHoldingItOnTheHeap() throws IOException {
        int chunk = 1 << 20;
        int chunks = 48;
        byte[] buffer = new byte[chunk];
        GgufWriter w = new GgufWriter().putString("general.name", "big").addTensor("big", GgmlType.F32,
                new long[] {chunk / 4, chunks}, sink -> {
                    for (int i = 0; i < chunks; i++) {
                        java.util.Arrays.fill(buffer, (byte) i);
                        sink.write(buffer, 0, chunk);
                    }
                });
        Path file = dir.resolve("big.gguf");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        w.write(file);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("heap allocated while writing 48 MiB").isLessThan(8L << 20);
        try (GgufFile f = GgufFile.open(file)) {
            MemorySegment data = f.tensorData(f.tensor("big"));
            assertThat(data.byteSize()).isEqualTo((long) chunk * chunks);
            assertThat(data.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0);
            assertThat(data.get(ValueLayout.JAVA_BYTE, (long) chunk * 47 + 5)).isEqualTo((byte) 47);
        }
    }

    @Test
    void aSourceThatWritesTheWrongAmountLeavesNoFileBehind() throws IOException {
        Path file = dir.resolve("short.gguf");
        GgufWriter shortSource = new GgufWriter().addTensor("t", GgmlType.Q8_0, new long[] {64}, sink -> sink.write(new byte[60], 0, 60));
        assertThatThrownBy(() -> shortSource.write(file)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tensor 't'").hasMessageContaining("wrote 60 bytes").hasMessageContaining("needs 68");
        GgufWriter longSource = new GgufWriter().addTensor("t", GgmlType.Q8_0, new long[] {64}, sink -> sink.write(new byte[69], 0, 69));
        assertThatThrownBy(() -> longSource.write(file)).isInstanceOf(IllegalStateException.class).hasMessageContaining("more than the 68");
        try (var listing = Files.list(dir)) {
            assertThat(listing.toList()).isEmpty();
        }
    }

    @Test
    void rejectsInvalidMetadataAndTensors() {
        GgufWriter w = new GgufWriter().putString("a", "x");
        assertThatThrownBy(() -> w.putString("a", "y")).hasMessageContaining("'a' was already put");
        assertThatThrownBy(() -> w.put("b", GgufValueType.UINT8, 256L)).hasMessageContaining("256 is out of range for UINT8");
        assertThatThrownBy(() -> w.put("c", GgufValueType.FLOAT32, 1.0)).hasMessageContaining("FLOAT32 needs a Float, got Double");
        assertThatThrownBy(() -> w.putArray("d", new GgufArray(GgufValueType.FLOAT32, new long[] {1})))
                .hasMessageContaining("holds its values in a float[]");
        assertThatThrownBy(() -> w.putArray("e", new GgufArray(GgufValueType.INT8, new long[] {200})))
                .hasMessageContaining("200 is out of range for INT8");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.Q4_0, new long[] {33}, MemorySegment.ofArray(new byte[40])))
                .hasMessageContaining("not a multiple of the Q4_0 block size 32");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {4}, MemorySegment.ofArray(new byte[15])))
                .hasMessageContaining("needs 16 bytes, data has 15");
        w.addTensor("t", GgmlType.F32, new long[] {4}, MemorySegment.ofArray(new byte[16]));
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {4}, MemorySegment.ofArray(new byte[16])))
                .hasMessageContaining("'t' was already added");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.F32, new long[] {1, 2, 3, 4, 5}, MemorySegment.ofArray(new byte[480])))
                .hasMessageContaining("1 to 4 dimensions");
    }
}
