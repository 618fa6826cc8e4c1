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
 * before a forward step, freeing it, and the usage numbers. The cache spans one or more devices'
 * {@link KvBlockManager}s; a sequence's blocks always live on one of them (its {@link KvStorage}),
 * chosen when the sequence starts: the admitting device with the most free blocks. Scaling changes
 * which devices admit new sequences ({@link #setDevices}); a leaving device keeps serving the
 * sequences it already holds until they finish, so KV blocks are never copied or dropped.
 *
 * <p>Called from the engine loop thread; {@link #setDevices} and the usage getters from any thread.
 */
public final class KvCacheManager implements AutoCloseable {
    /** One device's KV blocks as the forward pass sees them. */
    private record Home(KvBlockManager blocks, KvStorage storage) {
        int freeOrZero() {
            try {
                return blocks.freeBlocks();
            } catch (RuntimeException closed) {
                return 0;
            }
        }
    }

    private final KvLayout layout;
    private final DevicePool ownedPool;
    private volatile List<Home> admitting;
    private volatile List<Home> known;

    /** Wraps {@code blocks}, whose blocks must be {@code layout.blockBytes()} large and hold {@code layout.blockSize()} tokens. */
    public KvCacheManager(KvBlockManager blocks, KvLayout layout) {
        this(List.of(blocks), layout, null);
    }

    /** A cache over several devices' block managers (all with this layout's block size). */
    public KvCacheManager(List<KvBlockManager> devices, KvLayout layout) {
        this(devices, layout, null);
    }

    private KvCacheManager(List<KvBlockManager> devices, KvLayout layout, DevicePool ownedPool) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a KV cache needs at least one device");
        }
        this.layout = layout;
        this.ownedPool = ownedPool;
        List<Home> homes = devices.stream().map(this::home).toList();
        this.admitting = homes;
        this.known = homes;
    }

    private Home home(KvBlockManager blocks) {
        if (blocks.blockBytes() != layout.blockBytes() || blocks.tokensPerBlock() != layout.blockSize()) {
            throw new IllegalArgumentException("KV cache '" + blocks.name() + "' has blocks of " + blocks.blockBytes() + " bytes / "
                    + blocks.tokensPerBlock() + " tokens but the model's layout needs " + layout.blockBytes() + " bytes / "
                    + layout.blockSize() + " tokens");
        }
        MemorySegment memory = blocks.segment();
        return new Home(blocks, new KvStorage() {
            @Override
            public KvLayout layout() {
                return layout;
            }

            @Override
            public MemorySegment memory() {
                return memory;
            }
        });
    }

    /**
     * From now on new sequences go to {@code devices}. Devices no longer listed stay known (their
     * sequences keep running) until their blocks are all free.
     */
    public synchronized void setDevices(List<KvBlockManager> devices) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("at least one device must admit sequences");
        }
        List<Home> next = new java.util.ArrayList<>();
        for (KvBlockManager b : devices) {
            next.add(known.stream().filter(h -> h.blocks() == b).findFirst().orElseGet(() -> home(b)));
        }
        List<Home> all = new java.util.ArrayList<>(next);
        for (Home h : known) {
            if (!all.contains(h) && h.blocks().isOpen() && h.blocks().usedBlocks() > 0) {
                all.add(h);
            }
        }
        admitting = List.copyOf(next);
        known = List.copyOf(all);
    }

    /** Blocks in use on one device's block manager (0 once it is closed). */
    public int usedBlocks(KvBlockManager device) {
        try {
            return device.isOpen() ? device.usedBlocks() : 0;
        } catch (RuntimeException closed) {
            return 0;
        }
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
            return new KvCacheManager(List.of(manager), layout, pool);
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

    /** An empty cache for a new sequence (no blocks yet), on the admitting device with the most free blocks. */
    public SequenceKv newSequence() {
        Home best = null;
        int bestFree = -1;
        for (Home h : admitting) {
            int free = h.freeOrZero();
            if (free > bestFree) {
                best = h;
                bestFree = free;
            }
        }
        SequenceKv kv = new SequenceKv(best.storage(), best.blocks().newSequence(), best.blocks());
        kv.refresh();
        return kv;
    }

    /**
     * Grows {@code kv} so it holds positions {@code 0 .. tokens-1}. All or nothing: false, and nothing
     * allocated, when too few blocks are free on its device.
     */
    public boolean ensureCapacity(SequenceKv kv, int tokens) {
        int have = kv.table().tokens();
        if (tokens <= have) {
            return true;
        }
        int grow = tokens - have;
        if (!kv.device().canAllocate(kv.table().blocksNeededToAppend(grow))) {
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

    /** The most positions one sequence can ever hold (every block of the largest admitting device). */
    public int capacityTokens() {
        long most = 0;
        for (Home h : admitting) {
            most = Math.max(most, h.blocks().totalBlocks());
        }
        return (int) Math.min(Integer.MAX_VALUE, most * layout.blockSize());
    }

    /** Over every known device. */
    public KvBlockReport report() {
        return new KvBlockReport(totalBlocks(), freeBlocks(), usedBlocks(), 0, layout.blockBytes(), layout.blockSize());
    }

    public int freeBlocks() {
        int n = 0;
        for (Home h : known) {
            n += h.freeOrZero();
        }
        return n;
    }

    public int usedBlocks() {
        int n = 0;
        for (Home h : known) {
            n += usedBlocks(h.blocks());
        }
        return n;
    }

    public int totalBlocks() {
        int n = 0;
        for (Home h : known) {
            n += h.blocks().totalBlocks();
        }
        return n;
    }

    /** Used blocks over all blocks, 0..1 (vLLM's kv_cache_usage_perc). */
    public double usage() {
        int total = totalBlocks();
        return total == 0 ? 0 : usedBlocks() / (double) total;
    }

    /** Memory accounting of the device(s) holding the cache. */
    public List<DeviceMemorySnapshot> memory() {
        return known.stream().filter(h -> h.blocks().isOpen()).map(h -> h.blocks().pool().snapshot()).toList();
    }

    @Override
    public void close() {
        if (ownedPool != null) {
            for (Home h : known) {
                h.blocks().close();
            }
            ownedPool.close();
        }
    }
}
