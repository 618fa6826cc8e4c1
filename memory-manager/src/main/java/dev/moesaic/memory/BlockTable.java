package dev.moesaic.memory;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One sequence's KV blocks, in token order: token position {@code p} lives in block
 * {@code blocks()[p / tokensPerBlock]}. {@link #append} grows it (copying a shared last block first, so a
 * fork never sees the other's new tokens), {@link #fork} shares every block with a new table (for parallel
 * sampling or a shared prompt prefix), {@link #free} drops its references. Thread-safe through its manager.
 */
public final class BlockTable {
    private final KvBlockManager manager;
    // guarded by manager
    private int[] blocks = new int[0];
    private int tokens;
    private boolean freed;

    BlockTable(KvBlockManager manager) {
        this.manager = manager;
    }

    /** Token positions held. */
    public int tokens() {
        synchronized (manager) {
            return tokens;
        }
    }

    /** The block ids in token order (a copy: the engine's attention reads KV at {@code block * blockBytes}). */
    public int[] blocks() {
        synchronized (manager) {
            requireLive();
            return blocks.clone();
        }
    }

    public int blockCount() {
        synchronized (manager) {
            return blocks.length;
        }
    }

    /** Free blocks {@link #append}{@code (newTokens)} would take, counting a copy-on-write of a shared last block. */
    public int blocksNeededToAppend(int newTokens) {
        if (newTokens < 0) {
            throw new IllegalArgumentException("cannot append a negative number of tokens (" + newTokens + ")");
        }
        synchronized (manager) {
            requireLive();
            return blocksNeededLocked(newTokens);
        }
    }

    /**
     * Makes room for {@code newTokens} more positions. All or nothing: throws {@link OutOfKvBlocksException} and
     * changes nothing if the cache has too few free blocks.
     */
    public void append(int newTokens) {
        if (newTokens < 0) {
            throw new IllegalArgumentException("cannot append a negative number of tokens (" + newTokens + ")");
        }
        synchronized (manager) {
            requireLive();
            manager.requireOpen();
            int[] fresh = manager.allocateBlocks(blocksNeededLocked(newTokens));
            int next = 0;
            if (writesIntoSharedLastBlock(newTokens)) {
                int last = blocks.length - 1;
                int copy = fresh[next++];
                // The whole block: where a position's keys and values sit inside a block is the engine's layout.
                MemorySegment.copy(manager.blockSegment(blocks[last]), 0, manager.blockSegment(copy), 0,
                        manager.blockBytes());
                manager.releaseBlock(blocks[last]);
                blocks[last] = copy;
            }
            int grown = blocks.length + (fresh.length - next);
            int[] larger = Arrays.copyOf(blocks, grown);
            for (int i = blocks.length; i < grown; i++) {
                larger[i] = fresh[next++];
            }
            blocks = larger;
            tokens += newTokens;
        }
    }

    /** A new table with the same tokens sharing every block (reference counts go up; nothing is copied). */
    public BlockTable fork() {
        synchronized (manager) {
            requireLive();
            manager.requireOpen();
            BlockTable child = new BlockTable(manager);
            for (int block : blocks) {
                manager.retainBlock(block);
            }
            child.blocks = blocks.clone();
            child.tokens = tokens;
            return child;
        }
    }

    /** Drops this sequence's references; blocks no other table holds become free. Freeing twice throws. */
    public void free() {
        synchronized (manager) {
            if (freed) {
                throw new ReleasedResourceException("this block table was already freed; free each sequence once");
            }
            freed = true;
            if (manager.isOpen()) {
                for (int block : blocks) {
                    manager.releaseBlock(block);
                }
            }
            blocks = new int[0];
            tokens = 0;
        }
    }

    public boolean isFreed() {
        synchronized (manager) {
            return freed;
        }
    }

    private int blocksNeededLocked(int newTokens) {
        int tokensPerBlock = manager.tokensPerBlock();
        int needed = (int) (((long) tokens + newTokens + tokensPerBlock - 1) / tokensPerBlock) - blocks.length;
        return needed + (writesIntoSharedLastBlock(newTokens) ? 1 : 0);
    }

    /** True if the new tokens land in a partly filled last block that another table shares. */
    private boolean writesIntoSharedLastBlock(int newTokens) {
        return newTokens > 0 && tokens % manager.tokensPerBlock() != 0
                && manager.refCount(blocks[blocks.length - 1]) > 1;
    }

    private void requireLive() {
        if (freed) {
            throw new ReleasedResourceException("this block table was freed; start a new sequence with "
                    + "KvBlockManager.newSequence()");
        }
    }
}
