package dev.moesaic.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Copies pages between pools: the peer-to-peer transfer of an expert to another device. It reads and writes
 * the pools' memfds directly, so neither side has to be mapped in a region, and it pins both allocations for
 * the duration so neither can be freed mid-copy. An optional bandwidth limit emulates a link: all copies
 * through one engine share it, as transfers over one link would. Counts every byte it copies.
 *
 * <p>Thread-safe; copies from several threads run concurrently (sharing the bandwidth limit, if any).
 */
public final class CopyEngine {
    private final long bytesPerSecond; // 0 = unlimited
    private final AtomicLong bytesCopied = new AtomicLong();
    private final AtomicLong copies = new AtomicLong();
    private long linkFreeAtNanos; // guarded by this: when the emulated link has sent everything reserved so far

    private CopyEngine(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Copies as fast as memory allows. */
    public static CopyEngine unlimited() {
        return new CopyEngine(0);
    }

    /** Copies no faster than {@code bytesPerSecond} in total over all threads, like a link of that bandwidth. */
    public static CopyEngine withBandwidth(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("link bandwidth must be positive bytes per second, got " + bytesPerSecond
                    + "; use CopyEngine.unlimited() for no limit");
        }
        return new CopyEngine(bytesPerSecond);
    }

    /** The bandwidth limit in bytes per second, or 0 for none. */
    public long bandwidthBytesPerSecond() {
        return bytesPerSecond;
    }

    /** Bytes copied by this engine since it was created. */
    public long bytesCopied() {
        return bytesCopied.get();
    }

    /** Completed copy calls. */
    public long copies() {
        return copies.get();
    }

    /** Copies all of {@code source} to the start of {@code target} (which must be at least as large). */
    public long copy(PoolAllocation source, PoolAllocation target) {
        return copy(source, 0, target, 0, source.bytes());
    }

    /**
     * Copies {@code bytes} from {@code source} at {@code sourceOffset} to {@code target} at {@code targetOffset}.
     * Offsets are page-aligned in their pools (copies are page-granular); {@code bytes} may end mid-page, so an
     * expert of any size is copied exactly. Returns {@code bytes}.
     */
    public long copy(PoolAllocation source, long sourceOffset, PoolAllocation target, long targetOffset, long bytes) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        long sourcePage = source.pool().pageBytes();
        long targetPage = target.pool().pageBytes();
        if (bytes <= 0) {
            throw new IllegalArgumentException("copy size must be positive, got " + bytes + " bytes");
        }
        if (sourceOffset < 0 || sourceOffset % sourcePage != 0 || targetOffset < 0 || targetOffset % targetPage != 0) {
            throw new IllegalArgumentException("copies are page-granular: source offset " + sourceOffset
                    + " must be a multiple of " + sourcePage + " and target offset " + targetOffset
                    + " a multiple of " + targetPage);
        }
        if (sourceOffset > source.bytes() - bytes) {
            throw new IndexOutOfBoundsException("copy of " + bytes + " bytes from offset " + sourceOffset
                    + " reads past the end of " + source + " (" + source.bytes() + " bytes)");
        }
        if (targetOffset > target.bytes() - bytes) {
            throw new IndexOutOfBoundsException("copy of " + bytes + " bytes to offset " + targetOffset
                    + " writes past the end of " + target + " (" + target.bytes() + " bytes)");
        }
        if (source == target && sourceOffset < targetOffset + bytes && targetOffset < sourceOffset + bytes) {
            throw new IllegalArgumentException("copy within " + source + " with overlapping ranges; copy through a "
                    + "separate allocation");
        }
        source.pool().pin(source);
        try {
            target.pool().pin(target);
            try {
                copyPinned(source, sourceOffset, target, targetOffset, bytes);
            } finally {
                target.pool().unpin(target);
            }
        } finally {
            source.pool().unpin(source);
        }
        copies.incrementAndGet();
        return bytes;
    }

    private void copyPinned(PoolAllocation source, long sourceOffset, PoolAllocation target, long targetOffset,
            long bytes) {
        DevicePool from = source.pool();
        DevicePool to = target.pool();
        MemorySegment fromWindow = from.window();
        MemorySegment toWindow = to.window();
        long sourcePage = from.pageBytes();
        long targetPage = to.pageBytes();
        long done = 0;
        while (done < bytes) {
            long s = sourceOffset + done;
            long t = targetOffset + done;
            long inSource = s % sourcePage;
            long inTarget = t % targetPage;
            // One page at a time (the smaller page size when pools differ): consecutive allocation pages need not be
            // consecutive in the memfd.
            long chunk = Math.min(bytes - done, Math.min(sourcePage - inSource, targetPage - inTarget));
            long fromAt = source.poolPage((int) (s / sourcePage)) * sourcePage + inSource;
            long toAt = target.poolPage((int) (t / targetPage)) * targetPage + inTarget;
            MemorySegment.copy(fromWindow, fromAt, toWindow, toAt, chunk);
            done += chunk;
            bytesCopied.addAndGet(chunk);
            from.recordCopyOut(chunk);
            to.recordCopyIn(chunk);
            pace(chunk, source, target);
        }
    }

    private void pace(long bytes, PoolAllocation source, PoolAllocation target) {
        if (bytesPerSecond == 0) {
            return;
        }
        long wakeAt;
        synchronized (this) {
            long now = System.nanoTime();
            long start = Math.max(now, linkFreeAtNanos);
            linkFreeAtNanos = start + Math.max(1, (long) (bytes * 1e9 / bytesPerSecond));
            wakeAt = linkFreeAtNanos;
        }
        long remaining;
        while ((remaining = wakeAt - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new CopyInterruptedException("copy from " + source + " to " + target + " was interrupted while "
                        + "waiting for link bandwidth; the target holds a partial copy, free or overwrite it",
                        new InterruptedException());
            }
        }
    }
}
