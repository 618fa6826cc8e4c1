package dev.moesaic.memory;

/** A {@link KvBlockManager} has fewer free blocks than an append or allocation needs; nothing was changed. */
public final class OutOfKvBlocksException extends MemoryManagerException {
    private final int neededBlocks;
    private final int freeBlocks;

    OutOfKvBlocksException(String cache, int neededBlocks, int freeBlocks, int totalBlocks) {
        super("KV cache '" + cache + "' needs " + neededBlocks + " free blocks but has " + freeBlocks + " of "
                + totalBlocks + "; finish or preempt a sequence to free blocks, or admit fewer sequences");
        this.neededBlocks = neededBlocks;
        this.freeBlocks = freeBlocks;
    }

    public int neededBlocks() {
        return neededBlocks;
    }

    public int freeBlocks() {
        return freeBlocks;
    }
}
