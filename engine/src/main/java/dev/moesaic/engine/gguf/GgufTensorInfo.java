package dev.moesaic.engine.gguf;

import dev.moesaic.engine.tensor.GgmlType;

/**
 * One tensor's description from the GGUF header.
 *
 * @param shape  dimensions in ggml order (fastest-varying first): a matrix of {@code rows x cols}
 *               has {@code shape = [cols, rows]}
 * @param offset byte offset of the data inside the file (already resolved against the data section)
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
