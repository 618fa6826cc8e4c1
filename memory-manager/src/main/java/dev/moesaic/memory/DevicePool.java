package dev.moesaic.memory;

import dev.moesaic.nativebind.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One device's physical memory: a memfd of fixed capacity cut into fixed-size pages, handed out as
 * {@link PoolAllocation}s to named owners, with exact accounting (used, free, peak, per owner).
 *
 * <p>Pages are backed lazily by the kernel; a freed allocation's pages are punched out of the memfd, so they
 * return to the kernel and the next owner sees zeros. An allocation that does not fit throws
 * {@link PoolExhaustedException} and changes nothing.
 *
 * <p>Thread-safe: every method may be called from any thread. {@link #close()} closes the pool's regions
 * (invalidating their segments), frees every allocation and gives the memfd back; afterwards every method
 * except the read-only accessors throws {@link ReleasedResourceException}.
 */
public final class DevicePool implements AutoCloseable {
    /** Default page size: 2 MiB, the x86_64 huge page. */
    public static final long DEFAULT_PAGE_BYTES = 2L << 20;
    /** Every pool's memfd is named {@code moesaic:<device>}; {@code /proc/self/maps} shows it as {@code /memfd:moesaic:...}. */
    public static final String MEMFD_NAME_PREFIX = "moesaic:";

    private final String device;
    private final long capacityBytes;
    private final long pageBytes;
    private final int totalPages;
    private final int fd;
    private final long windowAddress;
    private final Arena windowArena;
    private final MemorySegment window; // the whole memfd, for copies that do not go through a region
    private final MemoryMetrics metrics;
    private final Object lock = new Object();

    // guarded by lock
    private final PageRunAllocator allocator;
    private final long[] pageOwner; // allocation id per page, 0 = free
    private final Map<Long, PoolAllocation> live = new LinkedHashMap<>();
    private final Map<String, Long> bytesByOwner = new TreeMap<>();
    private final Set<VirtualRegion> regions = new LinkedHashSet<>();
    private long nextId = 1;
    private long usedPages;
    private long peakPages;
    private boolean closing;
    private boolean closed;

    private final AtomicLong bytesCopiedIn = new AtomicLong();
    private final AtomicLong bytesCopiedOut = new AtomicLong();
    private final AtomicLong bytesLoaded = new AtomicLong();
    private final AtomicLong remaps = new AtomicLong();
    private final AtomicLong expertsIn = new AtomicLong();
    private final AtomicLong expertsOut = new AtomicLong();

    private DevicePool(String device, long capacityBytes, long pageBytes, MemoryMetrics metrics) {
        this.device = device;
        this.capacityBytes = capacityBytes;
        this.pageBytes = pageBytes;
        this.totalPages = (int) (capacityBytes / pageBytes);
        this.metrics = metrics;
        this.allocator = new PageRunAllocator(totalPages);
        this.pageOwner = new long[totalPages];
        int memfd = Libc.memfdCreate(MEMFD_NAME_PREFIX + device, Libc.MFD_CLOEXEC);
        long address = 0;
        try {
            Libc.ftruncate(memfd, capacityBytes);
            address = Libc.mmap(0, capacityBytes, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, memfd, 0);
        } catch (RuntimeException e) {
            Libc.close(memfd);
            throw e;
        }
        this.fd = memfd;
        this.windowAddress = address;
        this.windowArena = Arena.ofShared();
        this.window = MemorySegment.ofAddress(address).reinterpret(capacityBytes, windowArena, null);
    }

    /** A pool of {@code capacityBytes} with 2 MiB pages and its own metrics. */
    public static DevicePool open(String device, long capacityBytes) {
        return open(device, capacityBytes, DEFAULT_PAGE_BYTES);
    }

    /** A pool with its own metrics; {@code pageBytes} must be a multiple of the OS page size. */
    public static DevicePool open(String device, long capacityBytes, long pageBytes) {
        return open(device, capacityBytes, pageBytes, new MemoryMetrics());
    }

    /**
     * Opens a pool of {@code capacityBytes} (a positive multiple of {@code pageBytes}) whose page size is a
     * positive multiple of the OS page size, reporting to {@code metrics}.
     */
    public static DevicePool open(String device, long capacityBytes, long pageBytes, MemoryMetrics metrics) {
        Objects.requireNonNull(metrics, "metrics");
        if (device == null || device.isBlank()) {
            throw new IllegalArgumentException("a device pool needs a non-blank device name, got '" + device + "'");
        }
        long osPage = Libc.pageSize();
        if (pageBytes <= 0 || pageBytes % osPage != 0) {
            throw new IllegalArgumentException("page size of pool '" + device + "' must be a positive multiple of the OS "
                    + "page size " + osPage + ", got " + pageBytes + " bytes; use e.g. " + osPage + " or "
                    + DEFAULT_PAGE_BYTES);
        }
        if (capacityBytes <= 0 || capacityBytes % pageBytes != 0) {
            throw new IllegalArgumentException("capacity of pool '" + device + "' must be a positive multiple of its "
                    + "page size " + pageBytes + ", got " + capacityBytes + " bytes; round it to "
                    + Math.max(pageBytes, roundUp(capacityBytes, pageBytes)));
        }
        if (capacityBytes / pageBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pool '" + device + "' would have " + capacityBytes / pageBytes
                    + " pages; use larger pages (at most " + Integer.MAX_VALUE + " pages per pool)");
        }
        DevicePool pool = new DevicePool(device, capacityBytes, pageBytes, metrics);
        metrics.register(pool);
        return pool;
    }

    public String device() {
        return device;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public long pageBytes() {
        return pageBytes;
    }

    public int totalPages() {
        return totalPages;
    }

    public MemoryMetrics metrics() {
        return metrics;
    }

    /** {@code bytes} rounded up to whole pages of this pool. */
    public long roundUpToPages(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot round a negative size (" + bytes + " bytes) to pages");
        }
        return roundUp(bytes, pageBytes);
    }

    /**
     * Gives {@code bytes} (a positive multiple of {@link #pageBytes()}) to {@code owner}.
     *
     * @throws PoolExhaustedException if fewer bytes are free; the pool is unchanged
     */
    public PoolAllocation allocate(String owner, long bytes) {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("an allocation from pool '" + device + "' needs a non-blank owner name");
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException("allocation size must be positive, got " + bytes + " bytes (owner '"
                    + owner + "', pool '" + device + "')");
        }
        if (bytes % pageBytes != 0) {
            throw new IllegalArgumentException("allocation size " + bytes + " bytes (owner '" + owner + "', pool '"
                    + device + "') is not a multiple of the page size " + pageBytes + "; ask for roundUpToPages(bytes) = "
                    + roundUp(bytes, pageBytes));
        }
        synchronized (lock) {
            requireOpen();
            long pages = bytes / pageBytes;
            if (pages > allocator.freePages()) {
                throw new PoolExhaustedException(device, owner, bytes, freeBytes(), capacityBytes);
            }
            List<PageRun> runs = allocator.allocate((int) pages);
            PoolAllocation allocation = new PoolAllocation(this, nextId++, owner, runs);
            for (PageRun run : runs) {
                for (int page = run.firstPage(); page < run.endPage(); page++) {
                    if (pageOwner[page] != 0) { // a bookkeeping bug; never hand one page to two owners
                        throw new IllegalStateException("page " + page + " of " + this + " is already owned by "
                                + "allocation #" + pageOwner[page]);
                    }
                    pageOwner[page] = allocation.id();
                }
            }
            live.put(allocation.id(), allocation);
            usedPages += pages;
            peakPages = Math.max(peakPages, usedPages);
            bytesByOwner.merge(owner, bytes, Long::sum);
            metrics.usedChanged(bytes);
            return allocation;
        }
    }

    /**
     * Returns the allocation's pages to the pool (and their memory to the kernel).
     *
     * @throws ReleasedResourceException if it was already freed (or the pool is closed)
     * @throws MappingException if it is still mapped in a region or being copied
     */
    public void free(PoolAllocation allocation) {
        Objects.requireNonNull(allocation, "allocation");
        synchronized (lock) {
            requireOwnAllocation(allocation);
            if (closed) {
                throw new ReleasedResourceException("cannot free " + allocation + ": the pool is closed and freed "
                        + "everything when it closed");
            }
            if (!allocation.liveLocked()) {
                throw new ReleasedResourceException(allocation + " was already freed; free each allocation once");
            }
            if (allocation.mappedPagesLocked() > 0) {
                throw new MappingException("cannot free " + allocation + ": " + allocation.mappedPagesLocked()
                        + " region pages still map it; unmap it first");
            }
            if (allocation.pinsLocked() > 0) {
                throw new MappingException("cannot free " + allocation + " while a copy is using it; free it after "
                        + "the copy has finished");
            }
            for (PageRun run : allocation.runs()) {
                // Give the memory back now, so accounting and the kernel agree and the next owner reads zeros.
                Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE,
                        run.firstPage() * pageBytes, run.pageCount() * pageBytes);
            }
            releaseLocked(allocation);
        }
    }

    public long usedBytes() {
        synchronized (lock) {
            return usedPages * pageBytes;
        }
    }

    public long freeBytes() {
        synchronized (lock) {
            return capacityBytes - usedPages * pageBytes;
        }
    }

    /** The most bytes in use at once since the pool opened or {@link #resetPeak()}. */
    public long peakBytes() {
        synchronized (lock) {
            return peakPages * pageBytes;
        }
    }

    /** Sets the peak to the bytes in use now. */
    public void resetPeak() {
        synchronized (lock) {
            peakPages = usedPages;
        }
    }

    /** Bytes held per owner name (owners with nothing allocated are absent). */
    public Map<String, Long> bytesByOwner() {
        synchronized (lock) {
            return Map.copyOf(bytesByOwner);
        }
    }

    public boolean isOpen() {
        synchronized (lock) {
            return !closing;
        }
    }

    public DeviceMemorySnapshot snapshot() {
        synchronized (lock) {
            return new DeviceMemorySnapshot(device, capacityBytes, pageBytes, usedPages * pageBytes,
                    capacityBytes - usedPages * pageBytes, peakPages * pageBytes, live.size(), bytesByOwner,
                    bytesCopiedIn.get(), bytesCopiedOut.get(), bytesLoaded.get(), remaps.get(), expertsIn.get(),
                    expertsOut.get());
        }
    }

    /**
     * Closes every region on this pool (their segments become unusable), frees every allocation and releases the
     * memfd. Idempotent.
     */
    @Override
    public void close() {
        List<VirtualRegion> open;
        synchronized (lock) {
            if (closing) {
                return;
            }
            closing = true;
            open = new ArrayList<>(regions);
        }
        // Every step runs even when an earlier one throws: a failed region close must not leak the memfd
        // or the window mapping. The first failure is thrown at the end, the others suppressed in it.
        RuntimeException failure = null;
        for (VirtualRegion region : open) {
            failure = step(failure, "region", region::close);
        }
        synchronized (lock) {
            for (PoolAllocation allocation : List.copyOf(live.values())) {
                failure = step(failure, "allocation", () -> releaseLocked(allocation));
            }
            closed = true;
            // copies still running in other threads fail cleanly instead of touching unmapped memory
            failure = step(failure, "window", windowArena::close);
            failure = step(failure, "munmap", () -> Libc.munmap(windowAddress, capacityBytes));
            failure = step(failure, "fd", () -> Libc.close(fd));
        }
        failure = step(failure, "metrics", () -> metrics.unregister(this));
        if (failure != null) {
            throw failure;
        }
    }

    /** Test seam: runs before each close step with the step's name; a test makes it throw. */
    volatile java.util.function.Consumer<String> closeStepProbe = name -> { };

    private RuntimeException step(RuntimeException earlier, String name, Runnable action) {
        try {
            closeStepProbe.accept(name);
            action.run();
            return earlier;
        } catch (RuntimeException e) {
            if (earlier == null) {
                return e;
            }
            earlier.addSuppressed(e);
            return earlier;
        }
    }

    @Override
    public String toString() {
        return "pool '" + device + "' (" + capacityBytes + " bytes in " + totalPages + " pages of " + pageBytes + ")";
    }

    // ---- package-private: used by regions, the copy engine and tests ----

    Object lock() {
        return lock;
    }

    int fd() {
        return fd;
    }

    /** The whole memfd as one segment (page p at p * pageBytes), valid until the pool closes. */
    MemorySegment window() {
        return window;
    }

    void registerRegion(VirtualRegion region) {
        synchronized (lock) {
            requireOpen();
            regions.add(region);
        }
    }

    void unregisterRegion(VirtualRegion region) {
        synchronized (lock) {
            regions.remove(region);
        }
    }

    /** Records that {@code pages} region pages now map {@code allocation}; it must be live. */
    void addMapping(PoolAllocation allocation, long pages) {
        synchronized (lock) {
            requireOwnAllocation(allocation);
            requireLive(allocation, "map");
            allocation.addMappedPagesLocked(pages);
        }
    }

    void removeMapping(PoolAllocation allocation, long pages) {
        synchronized (lock) {
            allocation.addMappedPagesLocked(-pages);
        }
    }

    void pin(PoolAllocation allocation) {
        synchronized (lock) {
            requireOwnAllocation(allocation);
            requireLive(allocation, "copy");
            allocation.addPinLocked(1);
        }
    }

    void unpin(PoolAllocation allocation) {
        synchronized (lock) {
            allocation.addPinLocked(-1);
        }
    }

    void recordCopyIn(long bytes) {
        bytesCopiedIn.addAndGet(bytes);
    }

    void recordCopyOut(long bytes) {
        bytesCopiedOut.addAndGet(bytes);
    }

    void recordLoad(long bytes) {
        bytesLoaded.addAndGet(bytes);
    }

    void recordRemap() {
        remaps.incrementAndGet();
    }

    void recordExpertIn() {
        expertsIn.incrementAndGet();
    }

    void recordExpertOut() {
        expertsOut.incrementAndGet();
    }

    /** The id of the allocation owning {@code page}, or 0 if it is free. */
    long ownerOfPage(int page) {
        synchronized (lock) {
            return pageOwner[page];
        }
    }

    List<PoolAllocation> liveAllocations() {
        synchronized (lock) {
            return List.copyOf(live.values());
        }
    }

    List<PageRun> freeRuns() {
        synchronized (lock) {
            return allocator.freeRuns();
        }
    }

    private void releaseLocked(PoolAllocation allocation) {
        allocator.free(allocation.runs());
        for (PageRun run : allocation.runs()) {
            Arrays.fill(pageOwner, run.firstPage(), run.endPage(), 0L);
        }
        live.remove(allocation.id());
        usedPages -= allocation.pageCount();
        long bytes = allocation.bytes();
        bytesByOwner.computeIfPresent(allocation.owner(), (owner, held) -> held == bytes ? null : held - bytes);
        allocation.markFreedLocked();
        metrics.usedChanged(-bytes);
    }

    private void requireOpen() {
        if (closing) {
            throw new ReleasedResourceException(this + " is closed; open a new pool");
        }
    }

    private void requireOwnAllocation(PoolAllocation allocation) {
        if (allocation.pool() != this) {
            throw new MappingException(allocation + " belongs to pool '" + allocation.pool().device() + "', not to pool '"
                    + device + "'; use the pool it came from");
        }
    }

    private void requireLive(PoolAllocation allocation, String action) {
        if (!allocation.liveLocked()) {
            throw new ReleasedResourceException("cannot " + action + " " + allocation + ": it was freed"
                    + (closing ? " when its pool closed" : "") + "; allocate it again");
        }
    }

    private static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
