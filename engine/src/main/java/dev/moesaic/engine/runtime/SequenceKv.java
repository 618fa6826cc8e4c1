package dev.moesaic.engine.runtime;

import dev.moesaic.engine.forward.KvStorage;
import dev.moesaic.memory.BlockTable;
import dev.moesaic.memory.KvBlockManager;

/**
 * One sequence's KV cache: the storage (one device's blocks) and its block table. Created, grown
 * and freed only through {@link KvCacheManager}; the forward pass reads {@link #storage()} and
 * {@link #blockTable()}.
 */
public final class SequenceKv {
    private final KvStorage storage;
    private final BlockTable table;
    private final KvBlockManager device;
    private int[] blocks = new int[0];

    SequenceKv(KvStorage storage, BlockTable table, KvBlockManager device) {
        this.storage = storage;
        this.table = table;
        this.device = device;
    }

    /** The block manager (the device) holding this sequence's blocks. */
    public KvBlockManager device() {
        return device;
    }

    public KvStorage storage() {
        return storage;
    }

    /** The block ids in position order (not a copy: do not modify). */
    public int[] blockTable() {
        return blocks;
    }

    /** Positions the blocks can hold. */
    public int capacityTokens() {
        return blocks.length * storage.layout().blockSize();
    }

    BlockTable table() {
        return table;
    }

    void refresh() {
        blocks = table.isFreed() ? new int[0] : table.blocks();
    }

    boolean isFreed() {
        return table.isFreed();
    }
}
