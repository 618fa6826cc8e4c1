package dev.moesaic.memory;

import java.util.List;

/**
 * Pages of one {@link DevicePool} owned by one named owner: the unit that is mapped into regions, copied by
 * the {@link CopyEngine} and freed. Usually one run of consecutive pages; several runs only when the pool is
 * fragmented. Fresh allocations read as zero. Mutable state is guarded by the pool's lock.
 */
public final class PoolAllocation {
    private final DevicePool pool;
    private final long id;
    private final String owner;
    private final List<PageRun> runs;
    private final int pageCount;

    // guarded by pool's lock
    private boolean live = true;
    private long mappedPages;
    private int pins;

    PoolAllocation(DevicePool pool, long id, String owner, List<PageRun> runs) {
        this.pool = pool;
        this.id = id;
        this.owner = owner;
        this.runs = List.copyOf(runs);
        this.pageCount = runs.stream().mapToInt(PageRun::pageCount).sum();
    }

    public DevicePool pool() {
        return pool;
    }

    /** Unique within its pool; never reused. */
    public long id() {
        return id;
    }

    public String owner() {
        return owner;
    }

    public List<PageRun> runs() {
        return runs;
    }

    public int pageCount() {
        return pageCount;
    }

    public long bytes() {
        return pageCount * pool.pageBytes();
    }

    /** False once freed, or once its pool is closed. */
    public boolean isLive() {
        synchronized (pool.lock()) {
            return live;
        }
    }

    /** How many region pages currently map this allocation's pages (an allocation may be mapped more than once). */
    public long mappedPages() {
        synchronized (pool.lock()) {
            return mappedPages;
        }
    }

    /** True while a copy reads or writes this allocation; it cannot be freed then. */
    public boolean isPinned() {
        synchronized (pool.lock()) {
            return pins > 0;
        }
    }

    /** The pool page holding this allocation's {@code index}-th page. */
    int poolPage(int index) {
        if (index < 0 || index >= pageCount) {
            throw new IndexOutOfBoundsException("page " + index + " of " + this + " (it has " + pageCount + " pages)");
        }
        int rest = index;
        for (PageRun run : runs) {
            if (rest < run.pageCount()) {
                return run.firstPage() + rest;
            }
            rest -= run.pageCount();
        }
        throw new AssertionError("unreachable");
    }

    // ---- state transitions, called by DevicePool under its lock ----

    boolean liveLocked() {
        return live;
    }

    void markFreedLocked() {
        live = false;
    }

    long mappedPagesLocked() {
        return mappedPages;
    }

    void addMappedPagesLocked(long delta) {
        mappedPages += delta;
        if (mappedPages < 0) {
            throw new IllegalStateException("mapped page count of " + this + " went negative");
        }
    }

    int pinsLocked() {
        return pins;
    }

    void addPinLocked(int delta) {
        pins += delta;
        if (pins < 0) {
            throw new IllegalStateException("pin count of " + this + " went negative");
        }
    }

    @Override
    public String toString() {
        return "allocation #" + id + " (owner '" + owner + "', " + pageCount + " pages) of pool '" + pool.device() + "'";
    }
}
