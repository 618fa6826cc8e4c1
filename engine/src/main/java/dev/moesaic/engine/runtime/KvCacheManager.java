package dev.moesaic.engine.runtime;

import dev.moesaic.engine.forward.KvLayout;
import dev.moesaic.engine.forward.KvStorage;
import dev.moesaic.memory.DeviceMemorySnapshot;
import dev.moesaic.memory.DevicePool;
import dev.moesaic.memory.KvBlockManager;
import dev.moesaic.memory.KvBlockReport;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Every KV-cache interaction of the engine goes through here: a new sequence's cache, growing it
 * before a forward step, freeing it, and the usage numbers. Today it wraps one device's
 * {@link KvBlockManager}; a multi-device version picks the device per sequence in
 * {@link #newSequence()} (a sequence's blocks always live on one device, its {@link KvStorage}).
 *
 * <p>Called from the engine loop thread; the usage getters may be read from any thread.
 */
public final class KvCacheManager implements AutoCloseable {
    private final KvLayout layout;
    private final KvBlockManager blocks;
    private final DevicePool ownedPool;
    private final KvStorage storage;

    /** Wraps {@code blocks}, whose blocks must be {@code layout.blockBytes()} large and hold {@code layout.blockSize()} tokens. */
    public KvCacheManager(KvBlockManager blocks, KvLayout layout) {
        this(blocks, layout, null);
    }

    private KvCacheManager(KvBlockManager blocks, KvLayout layout, DevicePool ownedPool) {
        if (blocks.blockBytes() != layout.blockBytes() || blocks.tokensPerBlock() != layout.blockSize()) {
            throw new IllegalArgumentException("KV cache '" + blocks.name() + "' has blocks of " + blocks.blockBytes() + " bytes / "
                    + blocks.tokensPerBlock() + " tokens but the model's layout needs " + layout.blockBytes() + " bytes / "
                    + layout.blockSize() + " tokens");
        }
        this.layout = layout;
        this.blocks = blocks;
        this.ownedPool = ownedPool;
        MemorySegment memory = blocks.segment();
        this.storage = new KvStorage() {
            @Override
            public KvLayout layout() {
                return layout;
            }

            @Override
            public MemorySegment memory() {
                return memory;
            }
        };
    }

    /**
     * A cache of {@code totalBlocks} blocks on a device pool of its own named {@code device}; closing the
     * manager closes the pool.
     */
    public static KvCacheManager onNewDevice(String device, KvLayout layout, int totalBlocks) {
        if (totalBlocks < 1) {
            throw new IllegalArgumentException("the KV cache needs at least one block, got " + totalBlocks);
        }
        long bytes = layout.blockBytes() * totalBlocks;
        // Small caches (tests) get small pages so the pool is not mostly slack; large ones 2 MiB pages.
        long page = bytes >= (64L << 20) ? DevicePool.DEFAULT_PAGE_BYTES : 64L << 10;
        long capacity = (bytes + page - 1) / page * page;
        DevicePool pool = DevicePool.open(device, capacity, page);
        try {
            KvBlockManager manager = KvBlockManager.create(pool, "kv-cache", layout.blockBytes(), layout.blockSize(), totalBlocks);
            return new KvCacheManager(manager, layout, pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** Blocks that fit in {@code bytes} of KV memory (at least one). */
    public static int blocksFor(KvLayout layout, long bytes) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / layout.blockBytes()));
    }

    public KvLayout layout() {
        return layout;
    }

    /** An empty cache for a new sequence (no blocks yet). */
    public SequenceKv newSequence() {
        SequenceKv kv = new SequenceKv(storage, blocks.newSequence());
        kv.refresh();
        return kv;
    }

    /**
     * Grows {@code kv} so it holds positions {@code 0 .. tokens-1}. All or nothing: false, and nothing
     * allocated, when too few blocks are free.
     */
    public boolean ensureCapacity(SequenceKv kv, int tokens) {
        int have = kv.table().tokens();
        if (tokens <= have) {
            return true;
        }
        int grow = tokens - have;
        if (!blocks.canAllocate(kv.table().blocksNeededToAppend(grow))) {
            return false;
        }
        kv.table().append(grow);
        kv.refresh();
        return true;
    }

    /** Gives the sequence's blocks back. Freeing an already freed sequence does nothing. */
    public void free(SequenceKv kv) {
        if (!kv.isFreed()) {
            kv.table().free();
            kv.refresh();
        }
    }

    /** Blocks a sequence of {@code tokens} positions occupies. */
    public int blocksFor(int tokens) {
        return layout.blocksFor(tokens);
    }

    /** The most positions one sequence can ever hold (every block). */
    public int capacityTokens() {
        return (int) Math.min(Integer.MAX_VALUE, (long) blocks.totalBlocks() * layout.blockSize());
    }

    public KvBlockReport report() {
        return blocks.report();
    }

    public int freeBlocks() {
        return blocks.freeBlocks();
    }

    public int usedBlocks() {
        return blocks.usedBlocks();
    }

    public int totalBlocks() {
        return blocks.totalBlocks();
    }

    /** Used blocks over all blocks, 0..1 (vLLM's kv_cache_usage_perc). */
    public double usage() {
        return blocks.report().usage();
    }

    /** Memory accounting of the device(s) holding the cache. */
    public List<DeviceMemorySnapshot> memory() {
        return List.of(blocks.pool().snapshot());
    }

    @Override
    public void close() {
        blocks.close();
        if (ownedPool != null) {
            ownedPool.close();
        }
    }
}
