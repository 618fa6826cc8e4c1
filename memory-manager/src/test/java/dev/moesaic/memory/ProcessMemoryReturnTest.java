package dev.moesaic.memory;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.nativebind.libc.ProcessMemory;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** What the kernel says about the process after many allocate/free cycles: everything came back. */
class ProcessMemoryReturnTest {
    private static final long PAGE = 4096;
    private static final String DEVICE = "cycles";

    @Test
    void mappedMemoryReturnsToItsStartingLevelAfterTenThousandCycles() {
        cycles(200); // warm up, so the JIT and class loading do not count
        long mappedBefore = ProcessMemory.mappedBytes();
        long shmemBefore = ProcessMemory.rollup().getOrDefault("Pss_Shmem", 0L);
        int fdsBefore = ProcessMemory.openFileDescriptors();

        long touched = cycles(10_000);

        assertThat(touched).isGreaterThan(10_000 * PAGE);
        assertThat(ProcessMemory.memfdMappings(DevicePool.MEMFD_NAME_PREFIX + DEVICE)).isEmpty();
        assertThat(ProcessMemory.openFileDescriptors()).isEqualTo(fdsBefore);
        // Each cycle reserved 64 KiB of address space and each 100th a 4 MiB pool plus regions: a leak of either
        // would add hundreds of MiB. What remains is the JVM's own churn (code cache, metaspace, GC).
        assertThat(ProcessMemory.mappedBytes()).isLessThan(mappedBefore + (32L << 20));
        // Freed pages were punched out of the memfds, so no shared memory is left resident.
        assertThat(ProcessMemory.rollup().getOrDefault("Pss_Shmem", 0L)).isLessThanOrEqualTo(shmemBefore + (1L << 20));
    }

    /** Returns the bytes written. */
    private static long cycles(int count) {
        long written = 0;
        try (DevicePool pool = DevicePool.open(DEVICE, 64 * PAGE, PAGE)) {
            for (int i = 0; i < count; i++) {
                int pages = 1 + i % 8;
                try (VirtualRegion region = VirtualRegion.reserve(pool, "cycle", 16 * PAGE)) {
                    PoolAllocation allocation = pool.allocate("cycle", pages * PAGE);
                    region.map((i % 8) * PAGE, allocation);
                    MemorySegment view = region.view((i % 8) * PAGE, pages * PAGE);
                    for (long offset = 0; offset < view.byteSize(); offset += PAGE) {
                        view.set(JAVA_LONG, offset, i);
                        written += PAGE;
                    }
                    region.unmap((i % 8) * PAGE, pages * PAGE);
                    pool.free(allocation);
                }
                if (i % 100 == 0) {
                    written += everythingOnAFreshDevice(i);
                }
            }
            assertThat(pool.usedBytes()).isZero();
            assertThat(pool.peakBytes()).isEqualTo(8 * PAGE);
        }
        return written;
    }

    private static long everythingOnAFreshDevice(int round) {
        long page = DevicePool.DEFAULT_PAGE_BYTES;
        try (DevicePool pool = DevicePool.open(DEVICE + "-fresh", 2 * page);
                ExpertSlots slots = ExpertSlots.create(pool, "experts", 2, 4096);
                KvBlockManager kv = KvBlockManager.create(pool, "kv", 1024, 16, 64)) {
            slots.place(round % 2, round, target -> target.fill((byte) 1));
            kv.newSequence().append(100);
            return 4096 + 1024;
        }
    }
}
