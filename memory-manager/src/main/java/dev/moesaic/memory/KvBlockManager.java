package dev.moesaic.memory;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.Objects;

/**
 * A paged KV cache on one device: {@code totalBlocks} fixed-size blocks carved from a {@link DevicePool} and
 * shown as one contiguous segment in which block {@code b} lives at {@code b * blockBytes()}. Blocks are handed
 * out one at a time (lowest free first) and reference-counted, so sequences that share a prefix can share
 * blocks and copy a block only when one of them writes to it ({@link BlockTable}).
 *
 * <p>The blocks are allocated from the pool once, at creation; they never move, so scaling the devices never
 * copies or drops a running sequence's KV blocks. Fresh memory reads as zero; a recycled block keeps its old
 * bytes until overwritten (attention only reads positions a sequence has written).
 *
 * <p>Thread-safe: allocation, reference counting and block tables synchronize on this manager; the segment
 * may be read and written by any thread.
 */
public final class KvBlockManager implements AutoCloseable {
    private final String name;
    private final long blockBytes;
    private final int tokensPerBlock;
    private final int totalBlocks;
    private final DevicePool pool;
    private final VirtualRegion region;
    private final PoolAllocation allocation;
    private final MemorySegment segment;

    // guarded by this
    private final BitSet free;
    private final int[] refCounts;
    private int sharedBlocks;
    private boolean closed;

    private KvBlockManager(DevicePool pool, String name, long blockBytes, int tokensPerBlock, int totalBlocks) {
        this.pool = pool;
        this.name = name;
        this.blockBytes = blockBytes;
        this.tokensPerBlock = tokensPerBlock;
        this.totalBlocks = totalBlocks;
        long bytes = pool.roundUpToPages(blockBytes * totalBlocks);
        this.allocation = pool.allocate(name, bytes);
        VirtualRegion reserved = null;
        try {
            reserved = VirtualRegion.reserve(pool, name, bytes);
            reserved.map(0, allocation);
        } catch (RuntimeException e) {
            if (reserved != null) {
                reserved.close();
            }
            pool.free(allocation);
            throw e;
        }
        this.region = reserved;
        this.segment = region.view(0, blockBytes * totalBlocks);
        this.free = new BitSet(totalBlocks);
        this.free.set(0, totalBlocks);
        this.refCounts = new int[totalBlocks];
    }

    /**
     * Carves {@code totalBlocks} blocks of {@code blockBytes} each (e.g. 16 tokens x layers x 2 (K and V) x kv heads
     * x head dim x 4 bytes) holding {@code tokensPerBlock} token positions from {@code pool}.
     *
     * @throws PoolExhaustedException if the pool cannot hold them
     */
    public static KvBlockManager create(DevicePool pool, String name, long blockBytes, int tokensPerBlock,
            int totalBlocks) {
        Objects.requireNonNull(pool, "pool");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a KV cache needs a non-blank name");
        }
        if (blockBytes <= 0 || tokensPerBlock <= 0 || totalBlocks <= 0) {
            throw new IllegalArgumentException("KV cache '" + name + "' needs positive block size, tokens per block and "
                    + "block count, got blockBytes=" + blockBytes + ", tokensPerBlock=" + tokensPerBlock + ", totalBlocks="
                    + totalBlocks);
        }
        if (blockBytes > Long.MAX_VALUE / totalBlocks) {
            throw new IllegalArgumentException("KV cache '" + name + "': " + totalBlocks + " blocks of " + blockBytes
                    + " bytes overflow a long");
        }
        return new KvBlockManager(pool, name, blockBytes, tokensPerBlock, totalBlocks);
    }

    public String name() {
        return name;
    }

    public long blockBytes() {
        return blockBytes;
    }

    public int tokensPerBlock() {
        return tokensPerBlock;
    }

    public int totalBlocks() {
        return totalBlocks;
    }

    public DevicePool pool() {
        return pool;
    }

    /** Every block, block {@code b} at {@code b * blockBytes()}. Invalid after {@link #close()}. */
    public MemorySegment segment() {
        return segment;
    }

    /** Block {@code block}'s bytes (a slice of {@link #segment()}). */
    public MemorySegment blockSegment(int block) {
        requireBlockIndex(block);
        return segment.asSlice(block * blockBytes, blockBytes);
    }

    /** Takes the lowest free block with reference count 1. */
    public synchronized int allocateBlock() {
        requireOpen();
        int block = free.nextSetBit(0);
        if (block < 0) {
            throw new OutOfKvBlocksException(name, 1, 0, totalBlocks);
        }
        free.clear(block);
        refCounts[block] = 1;
        return block;
    }

    /** Adds a reference to an allocated block (another sequence now shares it). */
    public synchronized void retainBlock(int block) {
        requireAllocated(block, "retain");
        if (refCounts[block] == 1) {
            sharedBlocks++;
        }
        refCounts[block]++;
    }

    /** Drops one reference; the block is free again when none remain. Releasing a free block throws. */
    public synchronized void releaseBlock(int block) {
        requireAllocated(block, "release");
        refCounts[block]--;
        if (refCounts[block] == 1) {
            sharedBlocks--;
        } else if (refCounts[block] == 0) {
            free.set(block);
        }
    }

    /** References to {@code block}; 0 when free. */
    public synchronized int refCount(int block) {
        requireBlockIndex(block);
        return refCounts[block];
    }

    public synchronized int freeBlocks() {
        return free.cardinality();
    }

    public synchronized int usedBlocks() {
        return totalBlocks - free.cardinality();
    }

    /** Whether {@code blocks} more blocks can be allocated right now. */
    public synchronized boolean canAllocate(int blocks) {
        return blocks <= free.cardinality();
    }

    public synchronized KvBlockReport report() {
        int freeCount = free.cardinality();
        return new KvBlockReport(totalBlocks, freeCount, totalBlocks - freeCount, sharedBlocks, blockBytes,
                tokensPerBlock);
    }

    /** An empty block table for a new sequence. */
    public BlockTable newSequence() {
        synchronized (this) {
            requireOpen();
        }
        return new BlockTable(this);
    }

    /** Invalidates the segment and gives the blocks' pages back to the pool. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        region.close();
        if (pool.isOpen() && allocation.isLive()) {
            pool.free(allocation);
        }
    }

    public synchronized boolean isOpen() {
        return !closed;
    }

    @Override
    public String toString() {
        return "KV cache '" + name + "' (" + totalBlocks + " blocks of " + blockBytes + " bytes on pool '"
                + pool.device() + "')";
    }

    // ---- used by BlockTable under this manager's lock ----

    void requireOpen() {
        if (closed) {
            throw new ReleasedResourceException(this + " is closed");
        }
    }

    /** Allocates {@code count} blocks, all or none. */
    int[] allocateBlocks(int count) {
        requireOpen();
        int available = free.cardinality();
        if (count > available) {
            throw new OutOfKvBlocksException(name, count, available, totalBlocks);
        }
        int[] blocks = new int[count];
        for (int i = 0; i < count; i++) {
            blocks[i] = allocateBlock();
        }
        return blocks;
    }

    private void requireAllocated(int block, String action) {
        requireOpen();
        requireBlockIndex(block);
        if (refCounts[block] == 0) {
            throw new ReleasedResourceException("cannot " + action + " block " + block + " of KV cache '" + name
                    + "': it is free (released more often than allocated and retained)");
        }
    }

    private void requireBlockIndex(int block) {
        if (block < 0 || block >= totalBlocks) {
            throw new IndexOutOfBoundsException("block " + block + " of KV cache '" + name + "' does not exist; blocks "
                    + "are 0.." + (totalBlocks - 1));
        }
    }
}
