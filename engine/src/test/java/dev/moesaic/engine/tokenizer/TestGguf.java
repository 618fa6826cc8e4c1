package dev.moesaic.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes metadata-only GGUF v3 files for tests (no tensors). Values: String, Integer (uint32),
 * Boolean, Float, String[], float[] (float32 array), int[] (int32 array).
 */
final class TestGguf {
    private final Map<String, Object> metadata = new LinkedHashMap<>();

    TestGguf put(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    TestGguf putAll(Map<String, Object> values) {
        metadata.putAll(values);
        return this;
    }

    TestGguf remove(String key) {
        metadata.remove(key);
        return this;
    }

    Path write(Path dir, String name) {
        try {
            return Files.write(dir.resolve(name), bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] bytes() {
        Out out = new Out();
        out.u32(0x46554747);
        out.u32(3);
        out.u64(0);
        out.u64(metadata.size());
        for (Map.Entry<String, Object> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.value(e.getValue());
        }
        while (out.size() % 32 != 0) {
            out.write(0);
        }
        return out.toByteArray();
    }

    private static final class Out extends ByteArrayOutputStream {
        void u32(int v) {
            writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        void u64(long v) {
            writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        void f32(float v) {
            writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array());
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            writeBytes(b);
        }

        void value(Object v) {
            switch (v) {
                case String s -> {
                    u32(8);
                    string(s);
                }
                case Integer i -> {
                    u32(4);
                    u32(i);
                }
                case Boolean b -> {
                    u32(7);
                    write(b ? 1 : 0);
                }
                case Float f -> {
                    u32(6);
                    f32(f);
                }
                case String[] a -> {
                    u32(9);
                    u32(8);
                    u64(a.length);
                    for (String s : a) {
                        string(s);
                    }
                }
                case float[] a -> {
                    u32(9);
                    u32(6);
                    u64(a.length);
                    for (float f : a) {
                        f32(f);
                    }
                }
                case int[] a -> {
                    u32(9);
                    u32(5);
                    u64(a.length);
                    for (int i : a) {
                        u32(i);
                    }
                }
                default -> throw new IllegalArgumentException("no GGUF type for " + v.getClass());
            }
        }
    }
}
