package dev.moesaic.engine.gguf;

/**
 * A metadata array. {@code values} is a {@code long[]} for integer elements, {@code float[]} for
 * FLOAT32, {@code double[]} for FLOAT64, {@code boolean[]} for BOOL and {@code String[]} for STRING.
 * Nested arrays are kept as {@code GgufArray[]}.
 */
public record GgufArray(GgufValueType elementType, Object values) {
    public int length() {
        return java.lang.reflect.Array.getLength(values);
    }
}
