package dev.moesaic.engine.gguf;

import dev.moesaic.engine.tensor.GgmlType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF version 3 file the way llama.cpp and its {@code gguf} Python package do: header,
 * metadata in the order it was put, tensor infos, zero padding to the alignment, then each tensor's
 * bytes at an aligned offset, each followed by zero padding to the alignment. The alignment is the
 * {@code general.alignment} metadata value if one is put (UINT32, a power of two), else 32.
 *
 * <p>Only the header is built in memory. Tensor bytes are streamed from their {@link TensorSource}
 * to the file in chunks, so exporting a model of any size holds at most one chunk of weights on the
 * heap. The file is written under a temporary name beside the target and renamed when complete: an
 * export that fails half way never leaves a truncated model under the target name.
 */
public final class GgufWriter {
    /** The only version this writer produces. */
    public static final int VERSION = 3;
    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final int CHUNK = 1 << 20;

    /** Produces a tensor's bytes, in order, into a sink; called once, while the file is written. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(TensorSink sink) throws IOException;
    }

    /** Receives a tensor's bytes; the total must equal the size its type and shape imply. */
    public interface TensorSink {
        void write(MemorySegment bytes) throws IOException;

        default void write(byte[] bytes, int offset, int length) throws IOException {
            write(MemorySegment.ofArray(bytes).asSlice(offset, length));
        }
    }

    private record Entry(GgufValueType type, Object value) {
    }

    private record PendingTensor(String name, GgmlType type, long[] shape, long bytes, TensorSource source) {
    }

    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new LinkedHashSet<>();

    /**
     * Adds a metadata value. {@code value} must match {@code type}: an integral {@link Number} within
     * the type's range for the integer types (UINT64 takes any long, read as unsigned), {@code Float}
     * for FLOAT32, {@code Double} for FLOAT64, {@code Boolean}, {@code String}, or a {@link GgufArray}
     * for ARRAY (the same representations {@link GgufFile} returns).
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("metadata key must not be empty");
        }
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key + "' was already put");
        }
        metadata.put(key, new Entry(type, checkValue(key, type, value)));
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, (long) value);
    }

    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValueType.UINT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putArray(String key, GgufArray array) {
        return put(key, GgufValueType.ARRAY, array);
    }

    /** Adds a tensor whose bytes are {@code data} (read when the file is written, so it must stay valid until then). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        long bytes = checkTensor(name, type, shape);
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("tensor '" + name + "': " + type + " " + Arrays.toString(shape) + " needs " + bytes
                    + " bytes, data has " + data.byteSize());
        }
        checkUnique(name);
        tensors.add(new PendingTensor(name, type, shape.clone(), bytes, sink -> sink.write(data)));
        return this;
    }

    /** Adds a tensor whose bytes {@code source} produces while the file is written (quantizing on the fly, for instance). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        long bytes = checkTensor(name, type, shape);
        checkUnique(name);
        tensors.add(new PendingTensor(name, type, shape.clone(), bytes, source));
        return this;
    }

    /** Writes everything added so far to {@code path}, replacing it if it exists. */
    public void write(Path path) {
        int alignment = alignment();
        byte[] header = header(alignment);
        Path dir = path.toAbsolutePath().getParent();
        Path partial = null;
        try {
            partial = Files.createTempFile(dir, path.getFileName().toString(), ".partial");
            try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, ByteBuffer.wrap(header));
                for (PendingTensor t : tensors) {
                    CountingSink sink = new CountingSink(ch, t);
                    t.source().writeTo(sink);
                    if (sink.written != t.bytes()) {
                        throw new IllegalStateException("tensor '" + t.name() + "': its source wrote " + sink.written + " bytes, "
                                + t.type() + " " + Arrays.toString(t.shape()) + " needs " + t.bytes());
                    }
                    writeFully(ch, ByteBuffer.allocate(padding(t.bytes(), alignment)));
                }
            }
            Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            partial = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write GGUF file " + path + ": " + e.getMessage(), e);
        } finally {
            if (partial != null) {
                try {
                    Files.deleteIfExists(partial);
                } catch (IOException ignored) {
                    // the original failure is what matters
                }
            }
        }
    }

    private int alignment() {
        Entry al = metadata.get("general.alignment");
        if (al == null) {
            return GgufFile.DEFAULT_ALIGNMENT;
        }
        long v = ((Number) al.value()).longValue();
        if (al.type() != GgufValueType.UINT32 || v <= 0 || Long.bitCount(v) != 1 || v > (1 << 20)) {
            throw new IllegalArgumentException("general.alignment must be a UINT32 power of two up to 2^20, got " + al.type() + " " + v);
        }
        return (int) v;
    }

    private byte[] header(int alignment) {
        HeaderBuffer b = new HeaderBuffer();
        b.u32(MAGIC);
        b.u32(VERSION);
        b.u64(tensors.size());
        b.u64(metadata.size());
        for (Map.Entry<String, Entry> kv : metadata.entrySet()) {
            b.string(kv.getKey());
            b.u32(kv.getValue().type().ordinal());
            b.value(kv.getValue().type(), kv.getValue().value());
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            b.string(t.name());
            b.u32(t.shape().length);
            for (long d : t.shape()) {
                b.u64(d);
            }
            b.u32(t.type().id());
            b.u64(offset);
            offset += t.bytes() + padding(t.bytes(), alignment);
        }
        if (!tensors.isEmpty()) {
            // Like gguf-py, a file without tensors ends right after its tensor infos, unpadded.
            b.zeros(padding(b.size(), alignment));
        }
        return b.toArray();
    }

    private void checkUnique(String name) {
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
    }

    private static long checkTensor(String name, GgmlType type, long[] shape) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException("tensor '" + name + "': 1 to 4 dimensions expected, got " + shape.length);
        }
        long elements = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "': non-positive dimension in " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + shape[0] + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        return type.bytesFor(elements);
    }

    private static Object checkValue(String key, GgufValueType type, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("metadata '" + key + "': value must not be null");
        }
        switch (type) {
            case UINT8 -> checkRange(key, type, value, 0, 0xff);
            case INT8 -> checkRange(key, type, value, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case UINT16 -> checkRange(key, type, value, 0, 0xffff);
            case INT16 -> checkRange(key, type, value, Short.MIN_VALUE, Short.MAX_VALUE);
            case UINT32 -> checkRange(key, type, value, 0, 0xffffffffL);
            case INT32 -> checkRange(key, type, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case UINT64, INT64 -> checkRange(key, type, value, Long.MIN_VALUE, Long.MAX_VALUE);
            case FLOAT32 -> requireClass(key, type, value, Float.class);
            case FLOAT64 -> requireClass(key, type, value, Double.class);
            case BOOL -> requireClass(key, type, value, Boolean.class);
            case STRING -> requireClass(key, type, value, String.class);
            case ARRAY -> checkArray(key, requireClass(key, type, value, GgufArray.class), 0);
        }
        return value instanceof Number n && type.size() > 0 && type != GgufValueType.FLOAT32 && type != GgufValueType.FLOAT64
                ? (Object) n.longValue() : value;
    }

    private static void checkRange(String key, GgufValueType type, Object value, long min, long max) {
        if (!(value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)) {
            throw new IllegalArgumentException("metadata '" + key + "': " + type + " needs an integer, got " + value.getClass().getSimpleName());
        }
        long v = ((Number) value).longValue();
        if (v < min || v > max) {
            throw new IllegalArgumentException("metadata '" + key + "': " + v + " is out of range for " + type);
        }
    }

    private static <T> T requireClass(String key, GgufValueType type, Object value, Class<T> cls) {
        if (!cls.isInstance(value)) {
            throw new IllegalArgumentException("metadata '" + key + "': " + type + " needs a " + cls.getSimpleName() + ", got "
                    + value.getClass().getSimpleName());
        }
        return cls.cast(value);
    }

    private static void checkArray(String key, GgufArray array, int depth) {
        if (depth > 4) {
            throw new IllegalArgumentException("metadata '" + key + "': arrays nest more than 4 deep, which GgufFile rejects");
        }
        Class<?> expected = switch (array.elementType()) {
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
            default -> long[].class;
        };
        if (!expected.isInstance(array.values())) {
            throw new IllegalArgumentException("metadata '" + key + "': an array of " + array.elementType() + " holds its values in a "
                    + expected.getSimpleName() + ", got " + array.values().getClass().getSimpleName());
        }
        switch (array.values()) {
            case long[] longs -> {
                for (long v : longs) {
                    checkRange(key, array.elementType(), v, rangeMin(array.elementType()), rangeMax(array.elementType()));
                }
            }
            case String[] strings -> {
                for (String s : strings) {
                    if (s == null) {
                        throw new IllegalArgumentException("metadata '" + key + "': string arrays must not contain null");
                    }
                }
            }
            case GgufArray[] nested -> {
                for (GgufArray a : nested) {
                    checkArray(key, a, depth + 1);
                }
            }
            default -> {
            }
        }
    }

    private static long rangeMin(GgufValueType t) {
        return switch (t) {
            case INT8 -> Byte.MIN_VALUE;
            case INT16 -> Short.MIN_VALUE;
            case INT32 -> Integer.MIN_VALUE;
            case UINT64, INT64 -> Long.MIN_VALUE;
            default -> 0;
        };
    }

    private static long rangeMax(GgufValueType t) {
        return switch (t) {
            case UINT8 -> 0xff;
            case INT8 -> Byte.MAX_VALUE;
            case UINT16 -> 0xffff;
            case INT16 -> Short.MAX_VALUE;
            case UINT32 -> 0xffffffffL;
            case INT32 -> Integer.MAX_VALUE;
            default -> Long.MAX_VALUE;
        };
    }

    private static int padding(long size, int alignment) {
        return (int) ((alignment - size % alignment) % alignment);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Streams one tensor's bytes to the file in chunks and counts them. */
    private static final class CountingSink implements TensorSink {
        private final FileChannel ch;
        private final PendingTensor tensor;
        private long written;
        private byte[] staging;

        CountingSink(FileChannel ch, PendingTensor tensor) {
            this.ch = ch;
            this.tensor = tensor;
        }

        @Override
        public void write(MemorySegment bytes) throws IOException {
            if (bytes.byteSize() > tensor.bytes() - written) {
                throw new IllegalStateException("tensor '" + tensor.name() + "': its source wrote more than the " + tensor.bytes()
                        + " bytes " + tensor.type() + " " + Arrays.toString(tensor.shape()) + " needs");
            }
            // Native and byte[] segments are written as they are; others (a float[], say) go through a staging array.
            boolean direct = bytes.isNative() || bytes.heapBase().orElse(null) instanceof byte[];
            for (long at = 0; at < bytes.byteSize(); at += CHUNK) {
                int len = (int) Math.min(CHUNK, bytes.byteSize() - at);
                if (direct) {
                    writeFully(ch, bytes.asSlice(at, len).asByteBuffer());
                } else {
                    if (staging == null) {
                        staging = new byte[CHUNK];
                    }
                    MemorySegment.copy(bytes, at, MemorySegment.ofArray(staging), 0, len);
                    writeFully(ch, ByteBuffer.wrap(staging, 0, len));
                }
            }
            written += bytes.byteSize();
        }
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class HeaderBuffer {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private ByteBuffer room(int n) {
            if (buf.remaining() < n) {
                long want = Math.max((long) buf.capacity() * 2, (long) buf.position() + n);
                if (want > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("GGUF metadata larger than 2 GiB cannot be written");
                }
                ByteBuffer bigger = ByteBuffer.allocate((int) want).order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
            return buf;
        }

        int size() {
            return buf.position();
        }

        void u8(int v) {
            room(1).put((byte) v);
        }

        void u16(int v) {
            room(2).putShort((short) v);
        }

        void u32(int v) {
            room(4).putInt(v);
        }

        void u64(long v) {
            room(8).putLong(v);
        }

        void zeros(int n) {
            room(n).put(new byte[n]);
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            room(bytes.length).put(bytes);
        }

        void value(GgufValueType type, Object v) {
            switch (type) {
                case UINT8, INT8 -> u8((int) (long) (Long) v);
                case UINT16, INT16 -> u16((int) (long) (Long) v);
                case UINT32, INT32 -> u32((int) (long) (Long) v);
                case UINT64, INT64 -> u64((Long) v);
                case FLOAT32 -> room(4).putFloat((Float) v);
                case FLOAT64 -> room(8).putDouble((Double) v);
                case BOOL -> u8((Boolean) v ? 1 : 0);
                case STRING -> string((String) v);
                case ARRAY -> array((GgufArray) v);
            }
        }

        void array(GgufArray a) {
            u32(a.elementType().ordinal());
            u64(a.length());
            switch (a.values()) {
                case long[] longs -> {
                    for (long v : longs) {
                        value(a.elementType(), v);
                    }
                }
                case float[] floats -> {
                    for (float v : floats) {
                        room(4).putFloat(v);
                    }
                }
                case double[] doubles -> {
                    for (double v : doubles) {
                        room(8).putDouble(v);
                    }
                }
                case boolean[] bools -> {
                    for (boolean v : bools) {
                        u8(v ? 1 : 0);
                    }
                }
                case String[] strings -> {
                    for (String s : strings) {
                        string(s);
                    }
                }
                case GgufArray[] nested -> {
                    for (GgufArray n : nested) {
                        array(n);
                    }
                }
                default -> throw new IllegalStateException("unexpected array values " + a.values().getClass());
            }
        }

        byte[] toArray() {
            return Arrays.copyOf(buf.array(), buf.position());
        }
    }
}
