package dev.moesaic.engine.gguf;

import dev.moesaic.engine.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3) mapped read-only into memory. The header is parsed eagerly;
 * every length, count and offset is checked against the file size before it is used, so a
 * corrupt file fails with a {@link GgufFormatException} that names the file and the byte offset,
 * never with a JVM crash or a huge allocation. Tensor data is never copied: {@link #tensorData}
 * returns a slice of the mapping.
 */
public final class GgufFile implements AutoCloseable {
    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final int MAX_DIMS = 4;
    /** A metadata key or tensor name longer than this is certainly corrupt. */
    private static final long MAX_NAME_BYTES = 1 << 16;
    /**
     * Heap the parsed header may take (estimated per value: strings at 2 bytes per byte plus object
     * overhead). The largest real vocabularies need about 50 MiB; a corrupt count or length that
     * still fits a multi-gigabyte file must fail here instead of exhausting the heap.
     */
    private static final long MAX_HEADER_HEAP = 512L << 20;
    private static final long STRING_OVERHEAD = 48;
    private static final long TENSOR_INFO_OVERHEAD = 256;
    public static final int DEFAULT_ALIGNMENT = 32;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType> metadataTypes;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataOffset;
    private final int alignment;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, Map<String, Object> metadata,
                     Map<String, GgufValueType> metadataTypes, Map<String, GgufTensorInfo> tensors, long dataOffset,
                     int alignment) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.metadataTypes = metadataTypes;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
        this.alignment = alignment;
    }

    /** Maps and parses {@code path}. The caller closes the result to unmap the file. */
    public static GgufFile open(Path path) {
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new GgufFormatException(path, "cannot read file: " + e.getMessage());
        }
        requireHeaderSize(path, size);
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new Parser(path, mapping).parse(arena);
        } catch (IOException e) {
            arena.close();
            throw new GgufFormatException(path, "cannot map file: " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Parses {@code contents} exactly as {@link #open} parses a mapped file, naming {@code path} in
     * errors. Package-private: it lets tests run the same checks on thousands of corrupted in-memory
     * copies of a file; the result must be closed by the thread that parsed it.
     */
    static GgufFile parse(Path path, MemorySegment contents) {
        requireHeaderSize(path, contents.byteSize());
        Arena arena = Arena.ofConfined();
        try {
            return new Parser(path, contents).parse(arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void requireHeaderSize(Path path, long size) {
        if (size < 24) {
            throw new GgufFormatException(path, 0, "file is " + size + " bytes, smaller than the 24-byte GGUF header");
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Byte offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The whole file as one read-only segment. */
    public MemorySegment mapping() {
        return mapping;
    }

    /** All metadata, in file order. Values: see {@link GgufArray} and {@link #get}. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** All tensor infos by name, in file order. */
    public Map<String, GgufTensorInfo> tensors() {
        return tensors;
    }

    /**
     * A metadata value: {@code Long} for every integer type, {@code Float} for FLOAT32,
     * {@code Double} for FLOAT64, {@code Boolean}, {@code String} or {@link GgufArray}; null if absent.
     */
    public Object get(String key) {
        return metadata.get(key);
    }

    /**
     * The type a metadata value is stored with (the integer width that {@link #get} folds into
     * {@code Long}, for instance); null if absent. Arrays report {@link GgufValueType#ARRAY}; their
     * element type is {@link GgufArray#elementType()}.
     */
    public GgufValueType valueType(String key) {
        return metadataTypes.get(key);
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public String getString(String key, String fallback) {
        Object v = metadata.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof String s) {
            return s;
        }
        throw typeError(key, v, "a string");
    }

    public String requireString(String key) {
        String s = getString(key, null);
        if (s == null) {
            throw new GgufFormatException(path, "required metadata key '" + key + "' is missing");
        }
        return s;
    }

    public long getLong(String key, long fallback) {
        Object v = metadata.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw typeError(key, v, "an integer");
    }

    public int getInt(String key, int fallback) {
        long v = getLong(key, fallback);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new GgufFormatException(path, "metadata '" + key + "' = " + v + " is out of range");
        }
        return (int) v;
    }

    public int requireInt(String key) {
        if (!metadata.containsKey(key)) {
            throw new GgufFormatException(path, "required metadata key '" + key + "' is missing");
        }
        return getInt(key, 0);
    }

    public float getFloat(String key, float fallback) {
        Object v = metadata.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Float f) {
            return f;
        }
        if (v instanceof Double d) {
            return d.floatValue();
        }
        if (v instanceof Long l) {
            return l;
        }
        throw typeError(key, v, "a number");
    }

    public boolean getBoolean(String key, boolean fallback) {
        Object v = metadata.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Long l) {
            return l != 0;
        }
        throw typeError(key, v, "a boolean");
    }

    public GgufArray getArray(String key) {
        Object v = metadata.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof GgufArray a) {
            return a;
        }
        throw typeError(key, v, "an array");
    }

    public String[] getStringArray(String key) {
        GgufArray a = getArray(key);
        if (a == null) {
            return null;
        }
        if (a.values() instanceof String[] s) {
            return s;
        }
        throw new GgufFormatException(path, "metadata '" + key + "' is an array of " + a.elementType() + ", expected strings");
    }

    public float[] getFloatArray(String key) {
        GgufArray a = getArray(key);
        if (a == null) {
            return null;
        }
        if (a.values() instanceof float[] f) {
            return f;
        }
        if (a.values() instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        throw new GgufFormatException(path, "metadata '" + key + "' is an array of " + a.elementType() + ", expected floats");
    }

    public long[] getLongArray(String key) {
        GgufArray a = getArray(key);
        if (a == null) {
            return null;
        }
        if (a.values() instanceof long[] l) {
            return l;
        }
        throw new GgufFormatException(path, "metadata '" + key + "' is an array of " + a.elementType() + ", expected integers");
    }

    public GgufTensorInfo tensor(String name) {
        return tensors.get(name);
    }

    /** A read-only slice of the mapping holding the tensor's bytes. */
    public MemorySegment tensorData(GgufTensorInfo info) {
        return mapping.asSlice(info.offset(), info.byteSize());
    }

    private GgufFormatException typeError(String key, Object v, String expected) {
        return new GgufFormatException(path, "metadata '" + key + "' is " + v.getClass().getSimpleName() + ", expected " + expected);
    }

    /** Unmaps the file; segments obtained from it must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors]";
    }

    /** A cursor over the mapping that checks every read against the file size. */
    private static final class Parser {
        private final Path path;
        private final MemorySegment seg;
        private final long size;
        private long pos;
        private long heapLeft = MAX_HEADER_HEAP;

        Parser(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
            this.size = seg.byteSize();
        }

        GgufFile parse(Arena arena) {
            int magic = u32("the magic number");
            if (magic != MAGIC) {
                throw new GgufFormatException(path, 0, String.format("bad magic 0x%08x, expected 'GGUF' (is this a GGUF file?)", magic));
            }
            int version = u32("the version");
            if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                throw new GgufFormatException(path, 4, "big-endian GGUF (version " + Integer.reverseBytes(version)
                        + ") is not supported: convert the model to a little-endian GGUF");
            }
            if (version != 2 && version != 3) {
                throw new GgufFormatException(path, 4, "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
            }
            long tensorCount = u64("the tensor count");
            long kvCount = u64("the metadata count");
            // Each KV needs at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least 8+4+4+8.
            if (kvCount < 0 || kvCount > (size - pos) / 13) {
                throw new GgufFormatException(path, 16, "metadata count " + Long.toUnsignedString(kvCount) + " cannot fit in a file of " + size + " bytes");
            }
            if (tensorCount < 0 || tensorCount > (size - pos) / 24) {
                throw new GgufFormatException(path, 8, "tensor count " + Long.toUnsignedString(tensorCount) + " cannot fit in a file of " + size + " bytes");
            }
            Map<String, Object> metadata = new LinkedHashMap<>();
            Map<String, GgufValueType> metadataTypes = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                long at = pos;
                String key = string("metadata key");
                int typeId = u32("a metadata value type");
                GgufValueType type = GgufValueType.byId(typeId);
                if (type == null) {
                    throw new GgufFormatException(path, pos - 4, "metadata '" + key + "' has unknown value type " + typeId);
                }
                Object value = value(type, key);
                if (metadata.putIfAbsent(key, value) != null) {
                    throw new GgufFormatException(path, at, "duplicate metadata key '" + key + "'");
                }
                metadataTypes.put(key, type);
            }
            int alignment = DEFAULT_ALIGNMENT;
            Object al = metadata.get("general.alignment");
            if (al != null) {
                if (!(al instanceof Long l) || l <= 0 || l > (1 << 20) || Long.bitCount(l) != 1) {
                    throw new GgufFormatException(path, "general.alignment = " + al + " is not a power of two");
                }
                alignment = (int) (long) (Long) al;
            }
            record Raw(String name, GgmlType type, long[] shape, long relOffset, long bytes, long at) {
            }
            java.util.List<Raw> raws = new java.util.ArrayList<>();
            java.util.Set<String> names = new java.util.HashSet<>();
            for (long i = 0; i < tensorCount; i++) {
                long at = pos;
                if (!reserve(1, TENSOR_INFO_OVERHEAD)) {
                    throw overBudget("tensor info #" + i, 1, TENSOR_INFO_OVERHEAD);
                }
                String name = string("tensor name");
                int nDims = u32("a tensor's dimension count");
                if (nDims < 1 || nDims > MAX_DIMS) {
                    throw new GgufFormatException(path, pos - 4, "tensor '" + name + "' has " + Integer.toUnsignedString(nDims) + " dimensions (1.." + MAX_DIMS + " allowed)");
                }
                long[] shape = new long[nDims];
                long elements = 1;
                for (int d = 0; d < nDims; d++) {
                    shape[d] = u64("a tensor dimension");
                    if (shape[d] <= 0 || shape[d] > size * 8) {
                        throw new GgufFormatException(path, pos - 8, "tensor '" + name + "' dimension " + d + " = " + Long.toUnsignedString(shape[d]) + " is impossible for a file of " + size + " bytes");
                    }
                    elements = Math.multiplyHigh(elements, shape[d]) != 0 ? -1 : elements * shape[d];
                    if (elements < 0 || elements > size * 8) {
                        throw new GgufFormatException(path, pos - 8, "tensor '" + name + "' has too many elements for a file of " + size + " bytes");
                    }
                }
                int typeId = u32("a tensor type");
                GgmlType type = GgmlType.byId(typeId);
                if (type == null) {
                    throw new GgufFormatException(path, pos - 4, "tensor '" + name + "' has type " + GgmlType.nameOf(typeId) + ", which Moesaic does not support (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)");
                }
                if (shape[0] % type.blockSize() != 0) {
                    throw new GgufFormatException(path, pos - 4, "tensor '" + name + "' row length " + shape[0] + " is not a multiple of the " + type + " block size " + type.blockSize());
                }
                long rel = u64("a tensor data offset");
                if (rel < 0 || rel % alignment != 0) {
                    throw new GgufFormatException(path, pos - 8, "tensor '" + name + "' data offset " + Long.toUnsignedString(rel) + " is not aligned to " + alignment);
                }
                if (!names.add(name)) {
                    throw new GgufFormatException(path, at, "duplicate tensor '" + name + "'");
                }
                raws.add(new Raw(name, type, shape, rel, type.bytesFor(elements), at));
            }
            long dataOffset = (pos + alignment - 1) / alignment * alignment;
            // A file without tensors (a vocabulary-only GGUF) may end right after its header, unpadded.
            if (dataOffset > size && !raws.isEmpty()) {
                throw new GgufFormatException(path, pos, "file ends before the tensor data section (needs " + dataOffset + " bytes, has " + size + ")");
            }
            Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
            for (Raw r : raws) {
                long start = dataOffset + r.relOffset;
                if (r.relOffset > size - dataOffset || r.bytes > size - start) {
                    throw new GgufFormatException(path, r.at, "tensor '" + r.name + "' (" + r.bytes + " bytes at data offset " + r.relOffset
                            + ") extends past the end of the file (" + size + " bytes): the file is truncated; copy or download it again");
                }
                tensors.put(r.name, new GgufTensorInfo(r.name, r.type, r.shape, start, r.bytes));
            }
            return new GgufFile(path, arena, seg, version, Collections.unmodifiableMap(metadata),
                    Collections.unmodifiableMap(metadataTypes), Collections.unmodifiableMap(tensors), dataOffset, alignment);
        }

        /** Reserves {@code count * each} bytes of the header heap budget; false (and nothing reserved) if they do not fit. */
        private boolean reserve(long count, long each) {
            if (count > heapLeft / each) {
                return false;
            }
            heapLeft -= count * each;
            return true;
        }

        private GgufFormatException overBudget(String what, long count, long each) {
            return new GgufFormatException(path, pos, what + " would take more than the " + (MAX_HEADER_HEAP >> 20)
                    + " MiB Moesaic allows for a GGUF header (" + Long.toUnsignedString(count) + " x " + each + " bytes): the file is corrupt");
        }

        private void need(long n, String what) {
            if (n < 0 || n > size - pos) {
                throw new GgufFormatException(path, pos, "file ends inside " + what + " (needs " + (n < 0 ? Long.toUnsignedString(n) : n)
                        + " bytes, " + (size - pos) + " left): the file is truncated or corrupt; copy or download it again");
            }
        }

        private int u32(String what) {
            need(4, what);
            int v = seg.get(U32, pos);
            pos += 4;
            return v;
        }

        private long u64(String what) {
            need(8, what);
            long v = seg.get(U64, pos);
            pos += 8;
            return v;
        }

        private String string(String what) {
            long len = u64("a string length");
            if (len < 0 || len > size - pos) {
                throw new GgufFormatException(path, pos - 8, what + " length " + Long.toUnsignedString(len) + " exceeds the " + (size - pos) + " bytes left in the file");
            }
            if (len > MAX_NAME_BYTES && !what.equals("string value")) {
                throw new GgufFormatException(path, pos - 8, what + " length " + len + " is implausibly long");
            }
            if (!reserve(1, STRING_OVERHEAD + 2 * len)) {
                throw overBudget(what + " of " + len + " bytes", 1, STRING_OVERHEAD + 2 * len);
            }
            byte[] bytes = new byte[(int) len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, bytes, 0, (int) len);
            pos += len;
            // Malformed UTF-8 becomes U+FFFD, as llama.cpp keeps such bytes without failing.
            return new String(bytes, StandardCharsets.UTF_8);
        }

        private Object value(GgufValueType type, String key) {
            return switch (type) {
                case UINT8 -> { need(1, key); yield (long) (seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xff); }
                case INT8 -> { need(1, key); yield (long) seg.get(ValueLayout.JAVA_BYTE, pos++); }
                case UINT16 -> { need(2, key); long v = seg.get(U16, pos) & 0xffff; pos += 2; yield v; }
                case INT16 -> { need(2, key); long v = seg.get(U16, pos); pos += 2; yield v; }
                case UINT32 -> Integer.toUnsignedLong(u32("a metadata value"));
                case INT32 -> (long) u32("a metadata value");
                case UINT64, INT64 -> u64("a metadata value");
                case FLOAT32 -> { need(4, key); float v = seg.get(F32, pos); pos += 4; yield v; }
                case FLOAT64 -> { need(8, key); double v = seg.get(F64, pos); pos += 8; yield v; }
                case BOOL -> { need(1, key); yield seg.get(ValueLayout.JAVA_BYTE, pos++) != 0; }
                case STRING -> string("string value");
                case ARRAY -> array(key, 0);
            };
        }

        /** Heap one array element takes before any string bytes (a reference for strings and nested arrays). */
        private static long heapPerElement(GgufValueType type) {
            return switch (type) {
                case FLOAT32 -> 4;
                case BOOL -> 1;
                case STRING -> 8;
                case ARRAY -> 64;
                default -> 8;
            };
        }

        private GgufArray array(String key, int depth) {
            if (depth > 4) {
                throw new GgufFormatException(path, pos, "metadata '" + key + "' nests arrays too deeply");
            }
            int typeId = u32("an array element type");
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) {
                throw new GgufFormatException(path, pos - 4, "metadata array '" + key + "' has unknown element type " + typeId);
            }
            long count = u64("an array length");
            long minElement = type.size() > 0 ? type.size() : (type == GgufValueType.STRING ? 8 : 12);
            if (count < 0 || count > (size - pos) / minElement) {
                throw new GgufFormatException(path, pos - 8, "metadata array '" + key + "' claims " + Long.toUnsignedString(count)
                        + " elements, more than the " + (size - pos) + " bytes left can hold");
            }
            if (!reserve(count, heapPerElement(type))) {
                throw overBudget("metadata array '" + key + "' of " + count + " " + type + " elements", count, heapPerElement(type));
            }
            int n = (int) count;
            switch (type) {
                case STRING -> {
                    String[] out = new String[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = string("string value");
                    }
                    return new GgufArray(type, out);
                }
                case FLOAT32 -> {
                    float[] out = new float[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = seg.get(F32, pos);
                        pos += 4;
                    }
                    return new GgufArray(type, out);
                }
                case FLOAT64 -> {
                    double[] out = new double[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = seg.get(F64, pos);
                        pos += 8;
                    }
                    return new GgufArray(type, out);
                }
                case BOOL -> {
                    boolean[] out = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = seg.get(ValueLayout.JAVA_BYTE, pos++) != 0;
                    }
                    return new GgufArray(type, out);
                }
                case ARRAY -> {
                    GgufArray[] out = new GgufArray[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = array(key, depth + 1);
                    }
                    return new GgufArray(type, out);
                }
                default -> {
                    long[] out = new long[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = (Long) value(type, key);
                    }
                    return new GgufArray(type, out);
                }
            }
        }
    }
}
