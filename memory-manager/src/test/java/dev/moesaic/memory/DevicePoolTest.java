package dev.moesaic.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.nativebind.libc.ProcessMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DevicePoolTest {
    private static final long PAGE = 4096;

    @Test
    void accountsUsedFreePeakAndPerOwnerExactly() {
        try (DevicePool pool = DevicePool.open("acct", 16 * PAGE, PAGE)) {
            PoolAllocation a = pool.allocate("experts", 3 * PAGE);
            PoolAllocation b = pool.allocate("kv", 5 * PAGE);
            PoolAllocation c = pool.allocate("experts", 2 * PAGE);
            assertThat(pool.usedBytes()).isEqualTo(10 * PAGE);
            assertThat(pool.freeBytes()).isEqualTo(6 * PAGE);
            assertThat(pool.bytesByOwner()).isEqualTo(Map.of("experts", 5 * PAGE, "kv", 5 * PAGE));
            pool.free(b);
            pool.free(a);
            assertThat(pool.usedBytes()).isEqualTo(2 * PAGE);
            assertThat(pool.peakBytes()).isEqualTo(10 * PAGE);
            assertThat(pool.bytesByOwner()).isEqualTo(Map.of("experts", 2 * PAGE));
            pool.resetPeak();
            assertThat(pool.peakBytes()).isEqualTo(2 * PAGE);
            DeviceMemorySnapshot snapshot = pool.snapshot();
            assertThat(snapshot.usedBytes()).isEqualTo(2 * PAGE);
            assertThat(snapshot.liveAllocations()).isEqualTo(1);
            assertThat(snapshot.device()).isEqualTo("acct");
            pool.free(c);
            assertThat(pool.bytesByOwner()).isEmpty();
        }
    }

    @Test
    void exhaustionThrowsAndLeavesThePoolUnchanged() {
        try (DevicePool pool = DevicePool.open("full", 8 * PAGE, PAGE)) {
            PoolAllocation held = pool.allocate("a", 6 * PAGE);
            DeviceMemorySnapshot before = pool.snapshot();
            var freeRunsBefore = pool.freeRuns();
            assertThatThrownBy(() -> pool.allocate("b", 3 * PAGE))
                    .isInstanceOf(PoolExhaustedException.class)
                    .hasMessage("pool 'full' cannot give 12288 bytes to 'b': only 8192 of 32768 bytes are free; free "
                            + "memory on this device, move work to another device or open the pool with a larger capacity");
            assertThat(pool.snapshot()).isEqualTo(before);
            assertThat(pool.freeRuns()).isEqualTo(freeRunsBefore);
            assertThat(pool.allocate("b", 2 * PAGE).bytes()).isEqualTo(2 * PAGE);
            assertThat(held.isLive()).isTrue();
        }
    }

    @Test
    void fragmentedPoolStillGivesEveryFreePage() {
        try (DevicePool pool = DevicePool.open("frag", 6 * PAGE, PAGE)) {
            PoolAllocation[] pages = new PoolAllocation[6];
            for (int i = 0; i < 6; i++) {
                pages[i] = pool.allocate("p", PAGE);
            }
            pool.free(pages[1]);
            pool.free(pages[3]);
            pool.free(pages[5]);
            PoolAllocation spread = pool.allocate("spread", 3 * PAGE);
            assertThat(spread.runs()).containsExactly(new PageRun(1, 1), new PageRun(3, 1), new PageRun(5, 1));
            assertThat(spread.poolPage(2)).isEqualTo(5);
        }
    }

    @Test
    void freedPagesGoBackToTheKernelAndTheNextOwnerReadsZeros() {
        try (DevicePool pool = DevicePool.open("zero", 4 * PAGE, PAGE);
                VirtualRegion region = VirtualRegion.reserve(pool, "r", 4 * PAGE)) {
            PoolAllocation first = pool.allocate("a", 4 * PAGE);
            region.map(0, first);
            Patterns.fill(region.view(0, 4 * PAGE), 7);
            region.unmap(0, 4 * PAGE);
            pool.free(first);
            PoolAllocation second = pool.allocate("b", 4 * PAGE);
            assertThat(second.runs()).isEqualTo(first.runs());
            region.map(0, second);
            assertThat(Patterns.isZero(region.view(0, 4 * PAGE))).isTrue();
        }
    }

    @Test
    void badSizesAreRejectedWithTheFix() {
        assertThatThrownBy(() -> DevicePool.open("x", 8 * PAGE, 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be a positive multiple of the OS page size 4096, got 1000");
        assertThatThrownBy(() -> DevicePool.open("x", 5 * PAGE + 1, PAGE))
                .hasMessageContaining("capacity of pool 'x' must be a positive multiple of its page size 4096, got 20481");
        assertThatThrownBy(() -> DevicePool.open("x", -PAGE, PAGE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DevicePool.open(" ", PAGE, PAGE)).hasMessageContaining("non-blank device name");
        try (DevicePool pool = DevicePool.open("sizes", 8 * PAGE, 2 * PAGE)) {
            assertThatThrownBy(() -> pool.allocate("o", -2 * PAGE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("allocation size must be positive, got -8192 bytes");
            assertThatThrownBy(() -> pool.allocate("o", 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.allocate("o", PAGE))
                    .hasMessageContaining("is not a multiple of the page size 8192; ask for roundUpToPages(bytes) = 8192");
            assertThatThrownBy(() -> pool.allocate("", 2 * PAGE)).hasMessageContaining("non-blank owner");
            assertThat(pool.roundUpToPages(1)).isEqualTo(2 * PAGE);
            assertThat(pool.usedBytes()).isZero();
        }
    }

    @Test
    void doubleFreeAndForeignFreeAreCaught() {
        try (DevicePool pool = DevicePool.open("df", 4 * PAGE, PAGE);
                DevicePool other = DevicePool.open("other", 4 * PAGE, PAGE)) {
            PoolAllocation a = pool.allocate("a", PAGE);
            assertThatThrownBy(() -> other.free(a))
                    .isInstanceOf(MappingException.class)
                    .hasMessageContaining("belongs to pool 'df', not to pool 'other'");
            pool.free(a);
            assertThatThrownBy(() -> pool.free(a))
                    .isInstanceOf(ReleasedResourceException.class)
                    .hasMessage("allocation #1 (owner 'a', 1 pages) of pool 'df' was already freed; free each "
                            + "allocation once");
            assertThat(pool.usedBytes()).isZero();
        }
    }

    @Test
    void aMappedAllocationCannotBeFreed() {
        try (DevicePool pool = DevicePool.open("mapped", 4 * PAGE, PAGE);
                VirtualRegion region = VirtualRegion.reserve(pool, "r", 4 * PAGE)) {
            PoolAllocation a = pool.allocate("a", 2 * PAGE);
            region.map(2 * PAGE, a);
            assertThatThrownBy(() -> pool.free(a))
                    .isInstanceOf(MappingException.class)
                    .hasMessageContaining("2 region pages still map it; unmap it first");
            region.unmap(2 * PAGE, 2 * PAGE);
            pool.free(a);
        }
    }

    @Test
    void closeReleasesEverythingAndLaterUseThrows() {
        int fdsBefore = ProcessMemory.openFileDescriptors();
        DevicePool pool = DevicePool.open("closing", 8 * PAGE, PAGE);
        VirtualRegion region = VirtualRegion.reserve(pool, "r", 4 * PAGE);
        PoolAllocation a = pool.allocate("a", 2 * PAGE);
        region.map(0, a);
        var view = region.view(0, 2 * PAGE);
        assertThat(ProcessMemory.memfdMappings(DevicePool.MEMFD_NAME_PREFIX + "closing")).isNotEmpty();

        pool.close();

        assertThat(ProcessMemory.memfdMappings(DevicePool.MEMFD_NAME_PREFIX + "closing")).isEmpty();
        assertThat(ProcessMemory.openFileDescriptors()).isEqualTo(fdsBefore);
        assertThat(a.isLive()).isFalse();
        assertThat(region.isOpen()).isFalse();
        assertThat(pool.usedBytes()).isZero();
        assertThatThrownBy(() -> view.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pool.allocate("a", PAGE))
                .isInstanceOf(ReleasedResourceException.class)
                .hasMessageContaining("is closed; open a new pool");
        assertThatThrownBy(() -> pool.free(a)).isInstanceOf(ReleasedResourceException.class);
        assertThatThrownBy(() -> region.map(0, a)).isInstanceOf(ReleasedResourceException.class);
        assertThatThrownBy(() -> VirtualRegion.reserve(pool, "late", PAGE)).isInstanceOf(ReleasedResourceException.class);
        pool.close(); // idempotent
    }

    @Test
    void metricsTrackTheExactPeakOfTheSumAcrossPools() {
        MemoryMetrics metrics = new MemoryMetrics();
        try (DevicePool a = DevicePool.open("m0", 8 * PAGE, PAGE, metrics);
                DevicePool b = DevicePool.open("m1", 8 * PAGE, PAGE, metrics)) {
            PoolAllocation x = a.allocate("x", 4 * PAGE);
            PoolAllocation y = b.allocate("y", 4 * PAGE); // total 8 pages
            a.free(x);                                   // total 4
            PoolAllocation z = b.allocate("z", 2 * PAGE); // total 6
            assertThat(metrics.usedBytes()).isEqualTo(6 * PAGE);
            assertThat(metrics.peakBytes()).isEqualTo(8 * PAGE);
            assertThat(a.peakBytes() + b.peakBytes()).isEqualTo(10 * PAGE); // why the sum of peaks is not the peak
            metrics.resetPeaks();
            assertThat(metrics.peakBytes()).isEqualTo(6 * PAGE);
            assertThat(b.peakBytes()).isEqualTo(6 * PAGE);
            assertThat(metrics.snapshot()).extracting(DeviceMemorySnapshot::device).containsExactly("m0", "m1");
            b.free(y);
            b.free(z);
        }
        assertThat(metrics.snapshot()).isEmpty();
        assertThat(metrics.usedBytes()).isZero();
    }

    @Test
    void concurrentOwnersNeverShareAPageAndAccountingAddsUp() throws Exception {
        try (DevicePool pool = DevicePool.open("threads", 64 * PAGE, PAGE)) {
            ExecutorService threads = Executors.newFixedThreadPool(4);
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(threads.submit(() -> {
                    Random random = new Random(seed);
                    List<PoolAllocation> held = new ArrayList<>();
                    long exhausted = 0;
                    for (int i = 0; i < 3000; i++) {
                        if (held.isEmpty() || random.nextBoolean()) {
                            try {
                                held.add(pool.allocate("owner" + seed, (1 + random.nextInt(6)) * PAGE));
                            } catch (PoolExhaustedException e) {
                                exhausted++;
                            }
                        } else {
                            pool.free(held.remove(random.nextInt(held.size())));
                        }
                        if (i % 500 == 0) {
                            for (PoolAllocation allocation : held) {
                                for (int page = 0; page < allocation.pageCount(); page++) {
                                    assertThat(pool.ownerOfPage(allocation.poolPage(page))).isEqualTo(allocation.id());
                                }
                            }
                        }
                    }
                    long bytes = held.stream().mapToLong(PoolAllocation::bytes).sum();
                    assertThat(pool.bytesByOwner().getOrDefault("owner" + seed, 0L)).isEqualTo(bytes);
                    held.forEach(pool::free);
                    return exhausted;
                }));
            }
            long exhausted = 0;
            for (Future<Long> result : results) {
                exhausted += result.get();
            }
            threads.shutdown();
            assertThat(exhausted).as("the pool was contended enough to run out").isPositive();
            assertThat(pool.usedBytes()).isZero();
            assertThat(pool.peakBytes()).isLessThanOrEqualTo(64 * PAGE);
            assertThat(pool.freeRuns()).containsExactly(new PageRun(0, 64));
        }
    }
}
