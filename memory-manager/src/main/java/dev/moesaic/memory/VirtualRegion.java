package dev.moesaic.memory;

import dev.moesaic.nativebind.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A reserved, contiguous range of virtual addresses ({@code mmap PROT_NONE}) into which pages of one
 * {@link DevicePool} are mapped with {@code MAP_FIXED | MAP_SHARED} on the pool's memfd. Which physical pages
 * back which part of the region changes with {@link #map}, {@link #unmap}, {@link #remap} and {@link #replace}
 * without copying a byte; unmapped parts go back to being an inaccessible reservation, never a hole another
 * {@code mmap} could land in.
 *
 * <p>Reads and writes go through {@link #view} segments. A view covers mapped pages only, and it is
 * invalidated (its arena closed) before any page under it is unmapped or remapped, and when the region
 * closes: using it afterwards throws {@link IllegalStateException} instead of touching inaccessible memory.
 *
 * <p>Concurrency contract: all methods are thread-safe (mutations are serialized), and views may be read by
 * any number of threads while other parts of the region are mapped. Changing pages that another thread is
 * reading through a view is allowed only when the caller guarantees there is no such reader (the engine
 * changes placements between iterations); a reader that races anyway gets an {@link IllegalStateException},
 * not a crash.
 */
public final class VirtualRegion implements AutoCloseable {
    private final DevicePool pool;
    private final String name;
    private final long byteSize;
    private final long pageBytes;
    private final int pages;
    private final long base;

    // guarded by this
    private final PoolAllocation[] backing; // per region page, null = unmapped
    private final int[] backingIndex;       // page index within that allocation
    private final Map<ViewRange, View> views = new HashMap<>();
    private boolean closed;

    private record ViewRange(long offset, long bytes) {
        boolean overlaps(long from, long to) {
            return offset < to && from < offset + bytes;
        }
    }

    private record View(Arena arena, MemorySegment segment) {
    }

    private VirtualRegion(DevicePool pool, String name, long byteSize, long base) {
        this.pool = pool;
        this.name = name;
        this.byteSize = byteSize;
        this.pageBytes = pool.pageBytes();
        this.pages = (int) (byteSize / pageBytes);
        this.base = base;
        this.backing = new PoolAllocation[pages];
        this.backingIndex = new int[pages];
    }

    /**
     * Reserves {@code bytes} (a positive multiple of the pool's page size) of address space for pages of
     * {@code pool}, aligned to the pool's page size.
     */
    public static VirtualRegion reserve(DevicePool pool, String name, long bytes) {
        Objects.requireNonNull(pool, "pool");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a virtual region needs a non-blank name");
        }
        long pageBytes = pool.pageBytes();
        if (bytes <= 0 || bytes % pageBytes != 0) {
            throw new IllegalArgumentException("region '" + name + "' size must be a positive multiple of pool '"
                    + pool.device() + "' page size " + pageBytes + ", got " + bytes + " bytes; ask for "
                    + Math.max(pageBytes, pool.roundUpToPages(Math.max(bytes, 0))));
        }
        if (bytes / pageBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("region '" + name + "' of " + bytes + " bytes has too many pages");
        }
        // Over-reserve by one pool page so the region can start on a pool-page boundary, then trim.
        long slack = pageBytes - Libc.pageSize();
        long reserved = bytes + slack;
        long address = Libc.mmap(0, reserved, Libc.PROT_NONE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
        long aligned = (address + pageBytes - 1) / pageBytes * pageBytes;
        if (aligned > address) {
            Libc.munmap(address, aligned - address);
        }
        long tail = address + reserved - (aligned + bytes);
        if (tail > 0) {
            Libc.munmap(aligned + bytes, tail);
        }
        VirtualRegion region = new VirtualRegion(pool, name, bytes, aligned);
        try {
            pool.registerRegion(region);
        } catch (RuntimeException e) {
            Libc.munmap(aligned, bytes);
            throw e;
        }
        return region;
    }

    public DevicePool pool() {
        return pool;
    }

    public String name() {
        return name;
    }

    public long byteSize() {
        return byteSize;
    }

    public long pageBytes() {
        return pageBytes;
    }

    /**
     * Maps all pages of {@code allocation} at {@code offset}; the range must be unmapped. The allocation stays
     * owned by the caller: unmapping does not free it, and it cannot be freed while mapped.
     */
    public synchronized void map(long offset, PoolAllocation allocation) {
        requireOpen();
        Objects.requireNonNull(allocation, "allocation");
        int first = requireRange("map", offset, allocation.bytes());
        int count = allocation.pageCount();
        requireUnmapped("map " + allocation + " at offset " + offset, first, count);
        pool.addMapping(allocation, count);
        try {
            install(first, poolPagesOf(allocation));
        } catch (RuntimeException e) {
            pool.removeMapping(allocation, count);
            restoreReservation(first, count, e);
            throw e;
        }
        for (int i = 0; i < count; i++) {
            backing[first + i] = allocation;
            backingIndex[first + i] = i;
        }
    }

    /** Unmaps {@code bytes} at {@code offset} (all mapped), turning them back into inaccessible reservation. */
    public synchronized void unmap(long offset, long bytes) {
        requireOpen();
        int first = requireRange("unmap", offset, bytes);
        int count = (int) (bytes / pageBytes);
        requireMapped("unmap", first, count);
        closeViews(offset, offset + bytes);
        reserve(first, count);
        Map<PoolAllocation, Long> released = new IdentityHashMap<>();
        for (int i = first; i < first + count; i++) {
            released.merge(backing[i], 1L, Long::sum);
            backing[i] = null;
        }
        released.forEach(pool::removeMapping);
    }

    /**
     * Moves the pages mapped at {@code [fromOffset, fromOffset + bytes)} to {@code toOffset}: the same physical
     * pages appear at the new place and the old place becomes reservation again. Zero bytes are copied. The
     * target range must be unmapped and must not overlap the source.
     */
    public synchronized void remap(long fromOffset, long toOffset, long bytes) {
        requireOpen();
        int from = requireRange("remap from", fromOffset, bytes);
        int to = requireRange("remap to", toOffset, bytes);
        int count = (int) (bytes / pageBytes);
        if (from < to + count && to < from + count) {
            throw new MappingException("remap in region '" + name + "': source [" + fromOffset + ", "
                    + (fromOffset + bytes) + ") and target [" + toOffset + ", " + (toOffset + bytes)
                    + ") overlap; move through a free range");
        }
        requireMapped("remap", from, count);
        requireUnmapped("remap to offset " + toOffset, to, count);
        closeViews(fromOffset, fromOffset + bytes);
        int[] physical = new int[count];
        for (int i = 0; i < count; i++) {
            physical[i] = backing[from + i].poolPage(backingIndex[from + i]);
        }
        try {
            install(to, physical);
        } catch (RuntimeException e) {
            restoreReservation(to, count, e);
            throw e;
        }
        try {
            reserve(from, count);
        } catch (RuntimeException e) {
            restoreReservation(to, count, e);
            throw e;
        }
        for (int i = 0; i < count; i++) {
            backing[to + i] = backing[from + i];
            backingIndex[to + i] = backingIndex[from + i];
            backing[from + i] = null;
        }
        pool.recordRemap();
    }

    /**
     * Atomically rebinds the mapped range at {@code offset} to the pages of {@code allocation}: a reader never
     * sees a hole, only the old or the new pages. Zero bytes are copied; the previous allocations stay owned by
     * whoever owns them.
     */
    public synchronized void replace(long offset, PoolAllocation allocation) {
        requireOpen();
        Objects.requireNonNull(allocation, "allocation");
        int first = requireRange("replace", offset, allocation.bytes());
        int count = allocation.pageCount();
        requireMapped("replace", first, count);
        closeViews(offset, offset + allocation.bytes());
        PoolAllocation[] oldBacking = Arrays.copyOfRange(backing, first, first + count);
        int[] oldIndex = Arrays.copyOfRange(backingIndex, first, first + count);
        int[] oldPhysical = new int[count];
        for (int i = 0; i < count; i++) {
            oldPhysical[i] = oldBacking[i].poolPage(oldIndex[i]);
        }
        pool.addMapping(allocation, count);
        try {
            install(first, poolPagesOf(allocation));
        } catch (RuntimeException e) {
            pool.removeMapping(allocation, count);
            try {
                install(first, oldPhysical);
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        Map<PoolAllocation, Long> released = new IdentityHashMap<>();
        for (int i = 0; i < count; i++) {
            released.merge(oldBacking[i], 1L, Long::sum);
            backing[first + i] = allocation;
            backingIndex[first + i] = i;
        }
        released.forEach(pool::removeMapping);
        pool.recordRemap();
    }

    /** True if every page overlapping {@code [offset, offset + bytes)} is mapped. */
    public synchronized boolean isMapped(long offset, long bytes) {
        requireOpen();
        if (offset < 0 || bytes <= 0 || offset + bytes > byteSize) {
            return false;
        }
        int first = (int) (offset / pageBytes);
        int last = (int) ((offset + bytes - 1) / pageBytes);
        for (int page = first; page <= last; page++) {
            if (backing[page] == null) {
                return false;
            }
        }
        return true;
    }

    /** Bytes of the region currently mapped. */
    public synchronized long mappedBytes() {
        long mapped = 0;
        for (PoolAllocation page : backing) {
            if (page != null) {
                mapped++;
            }
        }
        return mapped * pageBytes;
    }

    /**
     * A segment over {@code [offset, offset + bytes)}, which must lie on mapped pages. The same range returns
     * the same segment until a page under it changes; then the old segment is invalid and this returns a new one.
     */
    public synchronized MemorySegment view(long offset, long bytes) {
        requireOpen();
        if (offset < 0 || bytes <= 0 || offset > byteSize - bytes) {
            throw new IndexOutOfBoundsException("view [" + offset + ", " + (offset + bytes) + ") of region '" + name
                    + "' is outside [0, " + byteSize + ") or empty");
        }
        ViewRange range = new ViewRange(offset, bytes);
        View existing = views.get(range);
        if (existing != null) {
            return existing.segment();
        }
        int first = (int) (offset / pageBytes);
        int last = (int) ((offset + bytes - 1) / pageBytes);
        requireMapped("view", first, last - first + 1);
        Arena arena = Arena.ofShared();
        MemorySegment segment = MemorySegment.ofAddress(base + offset).reinterpret(bytes, arena, null);
        views.put(range, new View(arena, segment));
        return segment;
    }

    public synchronized boolean isOpen() {
        return !closed;
    }

    /** Invalidates every view, releases the address range and drops the mappings (allocations stay allocated). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            closeViews(0, byteSize);
            Libc.munmap(base, byteSize);
            Map<PoolAllocation, Long> released = new IdentityHashMap<>();
            for (int i = 0; i < pages; i++) {
                if (backing[i] != null) {
                    released.merge(backing[i], 1L, Long::sum);
                    backing[i] = null;
                }
            }
            released.forEach(pool::removeMapping);
        }
        pool.unregisterRegion(this);
    }

    @Override
    public String toString() {
        return "region '" + name + "' (" + byteSize + " bytes on pool '" + pool.device() + "')";
    }

    // ---- package-private: for tests and ExpertSlots ----

    long baseAddress() {
        return base;
    }

    /** The allocation mapped at region page {@code page}, or null. */
    synchronized PoolAllocation backingAllocation(int page) {
        return backing[page];
    }

    /** The pool page mapped at region page {@code page}, or -1. */
    synchronized int backingPoolPage(int page) {
        return backing[page] == null ? -1 : backing[page].poolPage(backingIndex[page]);
    }

    // ---- internals ----

    private int[] poolPagesOf(PoolAllocation allocation) {
        int[] physical = new int[allocation.pageCount()];
        int i = 0;
        for (PageRun run : allocation.runs()) {
            for (int page = run.firstPage(); page < run.endPage(); page++) {
                physical[i++] = page;
            }
        }
        return physical;
    }

    /** Maps pool pages {@code physical[i]} at region page {@code first + i}, one mmap per contiguous stretch. */
    private void install(int first, int[] physical) {
        int start = 0;
        while (start < physical.length) {
            int end = start + 1;
            while (end < physical.length && physical[end] == physical[end - 1] + 1) {
                end++;
            }
            Libc.mmap(base + (first + start) * pageBytes, (end - start) * pageBytes, Libc.PROT_READ | Libc.PROT_WRITE,
                    Libc.MAP_SHARED | Libc.MAP_FIXED, pool.fd(), physical[start] * pageBytes);
            start = end;
        }
    }

    /** Turns region pages back into inaccessible reservation (replacing whatever was mapped there, atomically). */
    private void reserve(int first, int count) {
        Libc.mmap(base + first * pageBytes, count * pageBytes, Libc.PROT_NONE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_FIXED | Libc.MAP_NORESERVE, -1, 0);
    }

    private void restoreReservation(int first, int count, RuntimeException cause) {
        try {
            reserve(first, count);
        } catch (RuntimeException again) {
            cause.addSuppressed(again);
        }
    }

    private void closeViews(long from, long to) {
        // Close before the pages change: a shared arena's close waits out readers inside an access, so no thread
        // can be reading these addresses once we remap them.
        Iterator<Map.Entry<ViewRange, View>> it = views.entrySet().iterator();
        List<Arena> toClose = new ArrayList<>();
        while (it.hasNext()) {
            Map.Entry<ViewRange, View> entry = it.next();
            if (entry.getKey().overlaps(from, to)) {
                toClose.add(entry.getValue().arena());
                it.remove();
            }
        }
        toClose.forEach(Arena::close);
    }

    private int requireRange(String action, long offset, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(action + " in region '" + name + "': size must be positive, got "
                    + bytes + " bytes");
        }
        if (offset < 0 || offset % pageBytes != 0 || bytes % pageBytes != 0) {
            throw new IllegalArgumentException(action + " in region '" + name + "': offset " + offset + " and size "
                    + bytes + " must be non-negative multiples of the page size " + pageBytes);
        }
        if (offset > byteSize - bytes) {
            throw new IndexOutOfBoundsException(action + " in region '" + name + "': [" + offset + ", "
                    + (offset + bytes) + ") does not fit in the region's " + byteSize + " bytes");
        }
        return (int) (offset / pageBytes);
    }

    private void requireMapped(String action, int first, int count) {
        for (int page = first; page < first + count; page++) {
            if (backing[page] == null) {
                throw new MappingException(action + " in region '" + name + "': the page at offset "
                        + page * pageBytes + " is not mapped; map it first (the range is [" + first * pageBytes + ", "
                        + (first + count) * pageBytes + "))");
            }
        }
    }

    private void requireUnmapped(String action, int first, int count) {
        for (int page = first; page < first + count; page++) {
            if (backing[page] != null) {
                throw new MappingException(action + " in region '" + name + "': the page at offset "
                        + page * pageBytes + " is already mapped to " + backing[page] + "; unmap it first or use "
                        + "replace");
            }
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new ReleasedResourceException(this + " is closed; reserve a new region");
        }
    }
}
