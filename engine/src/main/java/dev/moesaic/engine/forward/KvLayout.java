package dev.moesaic.engine.forward;

/**
 * Byte layout of one paged KV-cache block: {@code blockSize} token positions for every layer, keys
 * and values as F32. Within a block: [layer][keys: position][kv heads x head dim] followed by
 * [layer][values: position][kv heads x value dim]... per layer, so one head's keys for consecutive
 * positions are a fixed stride apart and attention reads them sequentially.
 */
public record KvLayout(int blockSize, int layers, int keyDim, int valueDim) {
    public KvLayout {
        if (blockSize <= 0 || layers <= 0 || keyDim <= 0 || valueDim <= 0) {
            throw new IllegalArgumentException("KV layout dimensions must be positive");
        }
    }

    /** Bytes of one layer's keys plus values within a block. */
    public long layerBytes() {
        return (long) blockSize * (keyDim + valueDim) * Float.BYTES;
    }

    public long blockBytes() {
        return layerBytes() * layers;
    }

    /** Offset of the key vector of position {@code pos} for {@code layer}, given the sequence's block table. */
    public long keyOffset(int[] blockTable, int layer, int pos) {
        return blockTable[pos / blockSize] * blockBytes() + layer * layerBytes() + (long) (pos % blockSize) * keyDim * Float.BYTES;
    }

    public long valueOffset(int[] blockTable, int layer, int pos) {
        return blockTable[pos / blockSize] * blockBytes() + layer * layerBytes()
                + (long) blockSize * keyDim * Float.BYTES + (long) (pos % blockSize) * valueDim * Float.BYTES;
    }

    /** Blocks needed to hold {@code tokens} positions. */
    public int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }
}
