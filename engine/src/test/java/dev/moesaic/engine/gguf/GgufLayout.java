package dev.moesaic.engine.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * An independent walk over a valid GGUF file that records where every header field lies, so tests
 * can cut or corrupt a file exactly at its structural boundaries. Arrays with many elements record
 * only their first few and last element (all are walked), unless {@code everyElement} is set.
 */
record GgufLayout(List<Field> fields, long headerEnd, long dataOffset, List<long[]> tensorRanges, long requiredLength) {

    enum Kind {
        MAGIC, VERSION, TENSOR_COUNT, KV_COUNT, KEY_LENGTH, KEY_BYTES, VALUE_TYPE, SCALAR, ALIGNMENT, STRING_LENGTH, STRING_BYTES,
        ARRAY_TYPE, ARRAY_COUNT, NAME_LENGTH, NAME_BYTES, N_DIMS, DIM, TENSOR_TYPE, TENSOR_OFFSET;

        /** Fields whose value sizes, counts or locates something: corrupting them must be caught by a check. */
        boolean isStructural() {
            return this != KEY_BYTES && this != STRING_BYTES && this != NAME_BYTES && this != SCALAR && this != MAGIC;
        }
    }

    /** One header field: where it starts, how many bytes it has, what it is. */
    record Field(long offset, int size, Kind kind, String what) {
    }

    private static final int KEEP_FIRST = 3;

    static GgufLayout of(byte[] file, boolean everyElement) {
        return new Walker(file, everyElement).walk();
    }

    private static final class Walker {
        private final ByteBuffer b;
        private final boolean everyElement;
        private final List<Field> fields = new ArrayList<>();
        private boolean recording = true;

        Walker(byte[] file, boolean everyElement) {
            this.b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
            this.everyElement = everyElement;
        }

        private long field(int size, Kind kind, String what) {
            long at = b.position();
            if (recording) {
                fields.add(new Field(at, size, kind, what));
            }
            long v = switch (size) {
                case 1 -> b.get() & 0xff;
                case 2 -> b.getShort() & 0xffff;
                case 4 -> b.getInt() & 0xffffffffL;
                case 8 -> b.getLong();
                default -> throw new IllegalArgumentException("size " + size);
            };
            return v;
        }

        private String string(Kind lengthKind, Kind bytesKind, String what) {
            int len = Math.toIntExact(field(8, lengthKind, what + " length"));
            if (recording && len > 0) {
                fields.add(new Field(b.position(), len, bytesKind, what));
            }
            byte[] bytes = new byte[len];
            b.get(bytes);
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }

        GgufLayout walk() {
            field(4, Kind.MAGIC, "magic");
            field(4, Kind.VERSION, "version");
            long tensorCount = field(8, Kind.TENSOR_COUNT, "tensor count");
            long kvCount = field(8, Kind.KV_COUNT, "metadata count");
            long alignment = 32;
            for (long i = 0; i < kvCount; i++) {
                String key = string(Kind.KEY_LENGTH, Kind.KEY_BYTES, "key #" + i);
                int type = (int) field(4, Kind.VALUE_TYPE, "type of " + key);
                if (key.equals("general.alignment")) {
                    alignment = field(4, Kind.ALIGNMENT, "value of " + key);
                } else {
                    value(type, "value of " + key);
                }
            }
            List<long[]> raw = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                String name = string(Kind.NAME_LENGTH, Kind.NAME_BYTES, "tensor #" + i + " name");
                int nDims = (int) field(4, Kind.N_DIMS, name + " n_dims");
                long elements = 1;
                for (int d = 0; d < nDims; d++) {
                    elements *= field(8, Kind.DIM, name + " dim " + d);
                }
                int type = (int) field(4, Kind.TENSOR_TYPE, name + " type");
                long offset = field(8, Kind.TENSOR_OFFSET, name + " offset");
                dev.moesaic.engine.tensor.GgmlType t = dev.moesaic.engine.tensor.GgmlType.byId(type);
                raw.add(new long[] {offset, t.bytesFor(elements)});
            }
            long headerEnd = b.position();
            long dataOffset = (headerEnd + alignment - 1) / alignment * alignment;
            List<long[]> ranges = new ArrayList<>();
            long required = headerEnd;
            for (long[] r : raw) {
                ranges.add(new long[] {dataOffset + r[0], r[1]});
                required = Math.max(required, dataOffset + r[0] + r[1]);
            }
            return new GgufLayout(List.copyOf(fields), headerEnd, dataOffset, List.copyOf(ranges), required);
        }

        private void value(int type, String what) {
            switch (type) {
                case 0, 1, 7 -> field(1, Kind.SCALAR, what);
                case 2, 3 -> field(2, Kind.SCALAR, what);
                case 4, 5, 6 -> field(4, Kind.SCALAR, what);
                case 10, 11, 12 -> field(8, Kind.SCALAR, what);
                case 8 -> string(Kind.STRING_LENGTH, Kind.STRING_BYTES, what);
                case 9 -> {
                    int elementType = (int) field(4, Kind.ARRAY_TYPE, what + " element type");
                    long count = field(8, Kind.ARRAY_COUNT, what + " element count");
                    boolean outer = recording;
                    for (long i = 0; i < count; i++) {
                        recording = outer && (everyElement || i < KEEP_FIRST || i == count - 1);
                        value(elementType, what + "[" + i + "]");
                    }
                    recording = outer;
                }
                default -> throw new IllegalArgumentException("value type " + type + " at " + b.position());
            }
        }
    }
}
