package dev.moesaic.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.nativebind.libc.ProcessMemory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CopyEngineTest {
    private static final long PAGE = 4096;

    @ParameterizedTest
    @EnumSource(CopyEngine.Method.class)
    void copiesBetweenPoolsWithDifferentPageSizesAndFragmentedPages(CopyEngine.Method method) {
        CopyEngine engine = CopyEngine.unlimited(method);
        try (DevicePool small = DevicePool.open("small-pages", 16 * PAGE, PAGE);
                DevicePool large = DevicePool.open("large-pages", 8 * 4 * PAGE, 4 * PAGE);
                VirtualRegion from = VirtualRegion.reserve(small, "from", 8 * PAGE);
                VirtualRegion to = VirtualRegion.reserve(large, "to", 16 * PAGE)) {
            // fragment the small pool so the source is spread over three runs
            PoolAllocation[] singles = new PoolAllocation[16];
            for (int i = 0; i < 16; i++) {
                singles[i] = small.allocate("filler", PAGE);
            }
            for (int i : new int[] {2, 3, 7, 9, 10, 11, 12, 13}) {
                small.free(singles[i]);
            }
            PoolAllocation source = small.allocate("source", 8 * PAGE);
            assertThat(source.runs()).hasSize(3);
            from.map(0, source);
            Patterns.fill(from.view(0, 8 * PAGE), 5);
            PoolAllocation target = large.allocate("target", 16 * PAGE);
            to.map(0, target);

            long bytes = 5 * PAGE + 123;
            engine.copy(source, PAGE, target, 4 * PAGE, bytes - PAGE);
            engine.copy(source, 0, target, 0, PAGE);

            assertThat(to.view(0, PAGE).mismatch(from.view(0, PAGE))).isEqualTo(-1);
            assertThat(to.view(4 * PAGE, bytes - PAGE).mismatch(from.view(PAGE, bytes - PAGE))).isEqualTo(-1);
            assertThat(Patterns.isZero(to.view(8 * PAGE + 123, 4 * PAGE - 123))).isTrue(); // nothing past the bytes asked for
            assertThat(engine.bytesCopied()).isEqualTo(bytes);
            assertThat(engine.copies()).isEqualTo(2);
            assertThat(small.snapshot().bytesCopiedOut()).isEqualTo(bytes);
            assertThat(large.snapshot().bytesCopiedIn()).isEqualTo(bytes);
        }
    }

    @Test
    void theKernelCopyFillsTheTargetWithoutFaultingItsPagesIntoThisProcess() {
        long bytes = 64L << 20;
        try (DevicePool a = DevicePool.open("kernel-copy-a", bytes, 64 * PAGE);
                DevicePool b = DevicePool.open("kernel-copy-b", bytes, 64 * PAGE);
                VirtualRegion from = VirtualRegion.reserve(a, "from", bytes)) {
            PoolAllocation source = a.allocate("source", bytes);
            from.map(0, source);
            Patterns.fill(from.view(0, bytes), 11);
            PoolAllocation viaKernel = b.allocate("kernel", bytes / 2);
            PoolAllocation viaMappings = b.allocate("mapped", bytes / 2);

            long before = mappedShmem();
            CopyEngine.unlimited(CopyEngine.Method.KERNEL).copy(source, 0, viaKernel, 0, bytes / 2);
            long afterKernel = mappedShmem();
            CopyEngine.unlimited(CopyEngine.Method.MAPPED).copy(source, bytes / 2, viaMappings, 0, bytes / 2);
            long afterMapped = mappedShmem();

            // a copy through the mappings faults in (and first zero-fills) every target page; the kernel's does not
            assertThat(afterMapped - afterKernel).isGreaterThanOrEqualTo(bytes / 2 - (4L << 20));
            assertThat(afterKernel - before).isLessThan(4L << 20);
            try (VirtualRegion to = VirtualRegion.reserve(b, "to", bytes)) {
                to.map(0, viaKernel);
                to.map(bytes / 2, viaMappings);
                assertThat(to.view(0, bytes).mismatch(from.view(0, bytes))).isEqualTo(-1);
            }
        }
    }

    /** Shared-memory pages mapped into this process (only the pools' memfds are shared memory here). */
    private static long mappedShmem() {
        return ProcessMemory.rollup().getOrDefault("Pss_Shmem", 0L);
    }

    @Test
    void badCopiesAreRejectedBeforeAnyByteMoves() {
        CopyEngine engine = CopyEngine.unlimited();
        try (DevicePool pool = DevicePool.open("p", 16 * PAGE, PAGE)) {
            PoolAllocation a = pool.allocate("a", 2 * PAGE);
            PoolAllocation b = pool.allocate("b", PAGE);
            assertThatThrownBy(() -> engine.copy(a, 0, b, 0, 2 * PAGE))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("writes past the end of allocation #2");
            assertThatThrownBy(() -> engine.copy(a, 10, b, 0, 8)).hasMessageContaining("copies are page-granular");
            assertThatThrownBy(() -> engine.copy(a, 0, b, 0, -1)).hasMessageContaining("copy size must be positive");
            assertThatThrownBy(() -> engine.copy(a, 0, a, 0, PAGE)).hasMessageContaining("overlapping");
            pool.free(b);
            assertThatThrownBy(() -> engine.copy(a, 0, b, 0, PAGE))
                    .isInstanceOf(ReleasedResourceException.class)
                    .hasMessageContaining("cannot copy allocation #2");
            assertThat(engine.bytesCopied()).isZero();
            assertThat(a.isPinned()).isFalse();
            assertThatThrownBy(() -> CopyEngine.withBandwidth(0)).hasMessageContaining("use CopyEngine.unlimited()");
        }
    }

    @Test
    void anAllocationBeingCopiedCannotBeFreedAndTheBandwidthLimitHolds() throws Exception {
        long bytesPerSecond = 64 * PAGE; // 16 pages take a quarter of a second
        CopyEngine link = CopyEngine.withBandwidth(bytesPerSecond);
        try (DevicePool a = DevicePool.open("a", 16 * PAGE, PAGE);
                DevicePool b = DevicePool.open("b", 16 * PAGE, PAGE)) {
            PoolAllocation source = a.allocate("s", 16 * PAGE);
            PoolAllocation target = b.allocate("t", 16 * PAGE);
            long start = System.nanoTime();
            CompletableFuture<Long> copy = CompletableFuture.supplyAsync(() -> link.copy(source, target));
            while (!source.isPinned() && !copy.isDone()) {
                Thread.onSpinWait();
            }
            assertThatThrownBy(() -> a.free(source))
                    .isInstanceOf(MappingException.class)
                    .hasMessageContaining("while a copy is using it");
            assertThat(copy.get(30, TimeUnit.SECONDS)).isEqualTo(16 * PAGE);
            double seconds = (System.nanoTime() - start) / 1e9;
            // A lower bound only: the link may be slower than configured on a busy machine, never faster.
            assertThat(seconds).isGreaterThanOrEqualTo(0.9 * 16 * PAGE / bytesPerSecond);
            assertThat(source.isPinned()).isFalse();
            a.free(source);
        }
    }

    @Test
    void anInterruptedCopyStopsWithATypedException() throws Exception {
        CopyEngine link = CopyEngine.withBandwidth(PAGE); // one page per second
        try (DevicePool a = DevicePool.open("a", 8 * PAGE, PAGE);
                DevicePool b = DevicePool.open("b", 8 * PAGE, PAGE)) {
            PoolAllocation source = a.allocate("s", 8 * PAGE);
            PoolAllocation target = b.allocate("t", 8 * PAGE);
            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> link.copy(source, target))
                    .isInstanceOf(CopyInterruptedException.class)
                    .hasMessageContaining("interrupted while waiting for link bandwidth");
            assertThat(Thread.interrupted()).isTrue();
            assertThat(link.bytesCopied()).isLessThan(8 * PAGE);
            assertThat(source.isPinned()).isFalse();
            assertThat(target.isPinned()).isFalse();
        }
    }
}
