package dev.moesaic.memory;

import java.util.Map;

/**
 * One device's memory at one instant, for metrics export. Byte counts are exact page accounting (allocated
 * pages, whether or not touched). Copy counters count bytes moved by the {@link CopyEngine} into and out of
 * this device; {@code bytesLoaded} counts bytes written into expert slots from outside any pool (model load);
 * {@code remaps} counts remap/replace operations of regions on this device (zero bytes copied each).
 */
public record DeviceMemorySnapshot(
        String device,
        long capacityBytes,
        long pageBytes,
        long usedBytes,
        long freeBytes,
        long peakBytes,
        int liveAllocations,
        Map<String, Long> bytesByOwner,
        long bytesCopiedIn,
        long bytesCopiedOut,
        long bytesLoaded,
        long remaps,
        long expertsMigratedIn,
        long expertsMigratedOut) {
    public DeviceMemorySnapshot {
        bytesByOwner = Map.copyOf(bytesByOwner);
    }
}
