package dev.moesaic.memory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The metrics hook for a set of devices: a {@link DeviceMemorySnapshot} per open pool, and the exact total
 * used and peak bytes over all of them. The total peak is tracked on every allocation and free, so it is the
 * true high-water mark of the sum (the sum of per-device peaks would overstate it when memory moves between
 * devices). Thread-safe.
 */
public final class MemoryMetrics {
    private final List<DevicePool> pools = new CopyOnWriteArrayList<>();
    private long usedBytes; // guarded by this
    private long peakBytes; // guarded by this

    /** One snapshot per open pool, in the order the pools were opened. */
    public List<DeviceMemorySnapshot> snapshot() {
        return pools.stream().map(DevicePool::snapshot).toList();
    }

    /** Bytes allocated right now, summed over all pools. */
    public synchronized long usedBytes() {
        return usedBytes;
    }

    /** The highest {@link #usedBytes()} has been since the pools were opened or {@link #resetPeaks()} was called. */
    public synchronized long peakBytes() {
        return peakBytes;
    }

    /** Sets the total peak and every pool's peak to the memory in use now (e.g. before measuring a scaling step). */
    public void resetPeaks() {
        for (DevicePool pool : pools) {
            pool.resetPeak();
        }
        synchronized (this) {
            peakBytes = usedBytes;
        }
    }

    void register(DevicePool pool) {
        pools.add(pool);
    }

    void unregister(DevicePool pool) {
        pools.remove(pool);
    }

    synchronized void usedChanged(long deltaBytes) {
        usedBytes += deltaBytes;
        peakBytes = Math.max(peakBytes, usedBytes);
    }
}
