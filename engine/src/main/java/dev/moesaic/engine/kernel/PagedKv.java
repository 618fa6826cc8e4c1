package dev.moesaic.engine.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Where one layer's keys and values of one sequence live in a paged KV cache: position {@code p}
 * is slot {@code p % blockSize} of block {@code blockTable[p / blockSize]}; a block is
 * {@code blockBytes} bytes of {@code pool}; within a block this layer's keys start at byte
 * {@code keyOffset} and its values at {@code valueOffset}, each slot holding {@code kvDim} floats
 * (all KV heads, head after head).
 */
public record PagedKv(MemorySegment pool, int[] blockTable, int blockSize, long blockBytes, long keyOffset,
                      long valueOffset, int kvDim) {
    public PagedKv {
        if (blockSize < 1 || kvDim < 1) {
            throw new IllegalArgumentException("paged KV: blockSize and kvDim must be positive, got " + blockSize + ", " + kvDim);
        }
        long slots = (long) blockSize * kvDim * Float.BYTES;
        if (keyOffset < 0 || valueOffset < 0 || keyOffset + slots > blockBytes || valueOffset + slots > blockBytes) {
            throw new IllegalArgumentException("paged KV: " + blockSize + " slots of " + kvDim + " floats at key offset "
                    + keyOffset + " / value offset " + valueOffset + " do not fit a block of " + blockBytes + " bytes");
        }
    }

    /** Positions this block table can address. */
    public int capacity() {
        return blockTable.length * blockSize;
    }

    /** Byte offset in {@link #pool} of the key slot of position {@code pos}. */
    public long keyAt(int pos) {
        return slot(pos) + keyOffset;
    }

    /** Byte offset in {@link #pool} of the value slot of position {@code pos}. */
    public long valueAt(int pos) {
        return slot(pos) + valueOffset;
    }

    private long slot(int pos) {
        int block = blockTable[pos / blockSize];
        return block * blockBytes + (long) (pos % blockSize) * kvDim * Float.BYTES;
    }

    /** Checks that positions {@code 0..lastPos} are addressable and inside the pool. */
    void checkPositions(int lastPos) {
        if (lastPos < 0 || lastPos >= capacity()) {
            throw new IllegalArgumentException("paged KV: position " + lastPos + " outside the block table's "
                    + capacity() + " positions (" + blockTable.length + " blocks of " + blockSize + ")");
        }
        int blocks = lastPos / blockSize + 1;
        for (int b = 0; b < blocks; b++) {
            long end = (blockTable[b] + 1L) * blockBytes;
            if (blockTable[b] < 0 || end > pool.byteSize()) {
                throw new IllegalArgumentException("paged KV: block table entry " + b + " = " + blockTable[b]
                        + " lies outside the pool of " + pool.byteSize() + " bytes");
            }
        }
    }
}
