package dev.moesaic.memory;

import dev.moesaic.nativebind.libc.Errno;
import dev.moesaic.nativebind.libc.ErrnoException;
import dev.moesaic.nativebind.libc.Libc;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Copies pages between pools: the peer-to-peer transfer of an expert to another device. It copies memfd to
 * memfd in the kernel (copy_file_range), so neither side has to be mapped in a region, and it pins both
 * allocations for the duration so neither can be freed mid-copy. An optional bandwidth limit emulates a link: all copies
 * through one engine share it, as transfers over one link would. Counts every byte it copies.
 *
 * <p>Thread-safe; copies from several threads run concurrently (sharing the bandwidth limit, if any).
 */
public final class CopyEngine {
    /** How bytes move between pools. */
    public enum Method {
        /** copy_file_range between the pools' memfds; falls back to {@link #MAPPED} where the kernel refuses. */
        KERNEL,
        /** A memory copy between the pools' mappings (the baseline the kernel copy is measured against). */
        MAPPED
    }

    private static final long MAX_CHUNK_BYTES = 16L << 20;
    private static volatile boolean kernelCopyWorks = true;

    private final Method method;
    private final long bytesPerSecond; // 0 = unlimited
    private final AtomicLong bytesCopied = new AtomicLong();
    private final AtomicLong copies = new AtomicLong();
    private long linkFreeAtNanos; // guarded by this: when the emulated link has sent everything reserved so far

    private CopyEngine(Method method, long bytesPerSecond) {
        this.method = Objects.requireNonNull(method, "method");
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Copies as fast as memory allows, in the kernel. */
    public static CopyEngine unlimited() {
        return new CopyEngine(Method.KERNEL, 0);
    }

    /** Copies as fast as memory allows, by {@code method}. */
    public static CopyEngine unlimited(Method method) {
        return new CopyEngine(method, 0);
    }

    /** Copies no faster than {@code bytesPerSecond} in total over all threads, like a link of that bandwidth. */
    public static CopyEngine withBandwidth(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("link bandwidth must be positive bytes per second, got " + bytesPerSecond
                    + "; use CopyEngine.unlimited() for no limit");
        }
        return new CopyEngine(Method.KERNEL, bytesPerSecond);
    }

    public Method method() {
        return method;
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
        long done = 0;
        while (done < bytes) {
            long fromAt = memfdOffset(source, sourceOffset + done);
            long toAt = memfdOffset(target, targetOffset + done);
            // The longest run that is contiguous in both memfds (consecutive allocation pages often are, but need
            // not be), so one call moves it; a page at a time under a bandwidth limit, so that pacing stays smooth.
            long limit = Math.min(bytes - done, MAX_CHUNK_BYTES);
            long run = 0;
            do {
                run += Math.min(limit - run,
                        Math.min(toPageEnd(source, sourceOffset + done + run), toPageEnd(target, targetOffset + done + run)));
            } while (bytesPerSecond == 0 && run < limit && memfdOffset(source, sourceOffset + done + run) == fromAt + run
                    && memfdOffset(target, targetOffset + done + run) == toAt + run);
            transfer(from, fromAt, to, toAt, run);
            done += run;
            bytesCopied.addAndGet(run);
            from.recordCopyOut(run);
            to.recordCopyIn(run);
            pace(run, source, target);
        }
    }

    /** Where byte {@code offset} of {@code allocation} lives in its pool's memfd. */
    private static long memfdOffset(PoolAllocation allocation, long offset) {
        long page = allocation.pool().pageBytes();
        return allocation.poolPage((int) (offset / page)) * page + offset % page;
    }

    private static long toPageEnd(PoolAllocation allocation, long offset) {
        long page = allocation.pool().pageBytes();
        return page - offset % page;
    }

    /**
     * Moves one contiguous run. In the kernel (copy_file_range between the memfds) when it can: the target pages are
     * filled as they are allocated, where a copy through the mappings takes a page fault and a zero-fill for every
     * 4 KiB page first, which costs more than the copy itself (2.6x slower end to end, see {@code bench memory}).
     */
    private void transfer(DevicePool from, long fromAt, DevicePool to, long toAt, long length) {
        if (method == Method.KERNEL && kernelCopyWorks) {
            try {
                Libc.copyFileRange(from.fd(), fromAt, to.fd(), toAt, length);
                return;
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EXDEV && e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.ENOSYS && e.errno() != Errno.EINVAL) {
                    throw e;
                }
                kernelCopyWorks = false; // an old kernel or a sandbox without it: copy through the mappings from now on
            }
        }
        MemorySegment.copy(from.window(), fromAt, to.window(), toAt, length);
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
