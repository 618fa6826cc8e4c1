package dev.moesaic.memory;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.nativebind.libc.MemoryMapping;
import dev.moesaic.nativebind.libc.ProcessMemory;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtualRegionTest {
    private static final long PAGE = 4096;

    @Test
    void remapMovesDataWithoutCopyingAByte() {
        CopyEngine engine = CopyEngine.unlimited();
        try (DevicePool pool = DevicePool.open("zc", 8 * PAGE, PAGE);
                VirtualRegion region = VirtualRegion.reserve(pool, "zc", 8 * PAGE)) {
            PoolAllocation a = pool.allocate("a", 3 * PAGE);
            region.map(0, a);
            Patterns.fill(region.view(0, 3 * PAGE), 42);

            region.remap(0, 5 * PAGE, 3 * PAGE);

            assertThat(Patterns.matches(region.view(5 * PAGE, 3 * PAGE), 42)).isTrue();
            assertThat(region.isMapped(0, PAGE)).isFalse();
            // the same physical pages, now at the new place: written once, never copied
            assertThat(region.backingPoolPage(5)).isEqualTo(a.poolPage(0));
            assertThat(region.backingPoolPage(7)).isEqualTo(a.poolPage(2));
            DeviceMemorySnapshot snapshot = pool.snapshot();
            assertThat(snapshot.bytesCopiedIn()).isZero();
            assertThat(snapshot.bytesCopiedOut()).isZero();
            assertThat(snapshot.remaps()).isEqualTo(1);
            assertThat(engine.bytesCopied()).isZero();
            assertThat(pool.usedBytes()).isEqualTo(3 * PAGE);

            // the kernel agrees: the new range maps the memfd at the allocation's offset, the old one is reservation
            long base = region.baseAddress();
            MemoryMapping moved = mappingAt(base + 5 * PAGE);
            assertThat(moved.permissions()).isEqualTo("rw-s");
            assertThat(moved.fileOffset()).isEqualTo(a.poolPage(0) * PAGE);
            assertThat(moved.path()).startsWith("/memfd:" + DevicePool.MEMFD_NAME_PREFIX + "zc");
            assertThat(mappingAt(base).permissions()).isEqualTo("---p");
        }
    }

    @Test
    void writesThroughOneMappingAreSeenThroughAnother() {
        try (DevicePool pool = DevicePool.open("alias", 4 * PAGE, PAGE);
                VirtualRegion first = VirtualRegion.reserve(pool, "first", 2 * PAGE);
                VirtualRegion second = VirtualRegion.reserve(pool, "second", 4 * PAGE)) {
            PoolAllocation a = pool.allocate("a", 2 * PAGE);
            first.map(0, a);
            second.map(2 * PAGE, a);
            first.view(0, 2 * PAGE).set(JAVA_LONG, PAGE + 16, 0xfeed_beefL);
            assertThat(second.view(2 * PAGE, 2 * PAGE).get(JAVA_LONG, PAGE + 16)).isEqualTo(0xfeed_beefL);
            assertThat(a.mappedPages()).isEqualTo(4);
        }
    }

    @Test
    void unmapRestoresTheReservationNotAHole() {
        try (DevicePool pool = DevicePool.open("hole", 4 * PAGE, PAGE);
                VirtualRegion region = VirtualRegion.reserve(pool, "hole", 4 * PAGE)) {
            PoolAllocation a = pool.allocate("a", 2 * PAGE);
            region.map(PAGE, a);
            region.unmap(PAGE, 2 * PAGE);
            long base = region.baseAddress();
            List<MemoryMapping> covering = ProcessMemory.mappings().stream()
                    .filter(m -> m.overlaps(base, base + 4 * PAGE)).toList();
            long covered = covering.stream()
                    .mapToLong(m -> Math.min(m.end(), base + 4 * PAGE) - Math.max(m.start(), base)).sum();
            assertThat(covered).isEqualTo(4 * PAGE);
            assertThat(covering).allSatisfy(m -> assertThat(m.isInaccessible()).isTrue());
            assertThat(a.mappedPages()).isZero();
            pool.free(a);
        }
    }

    @Test
    void replaceRebindsAtomicallyAndKeepsBothAllocations() {
        try (DevicePool pool = DevicePool.open("swap", 4 * PAGE, PAGE);
                VirtualRegion region = VirtualRegion.reserve(pool, "swap", 2 * PAGE)) {
            PoolAllocation a = pool.allocate("a", PAGE);
            PoolAllocation b = pool.allocate("b", PAGE);
            region.map(0, a);
            region.map(PAGE, b);
            Patterns.fill(region.view(0, PAGE), 1);
            Patterns.fill(region.view(PAGE, PAGE), 2);
            // swap the two pages without a spare and without copying
            region.replace(0, b);
            region.replace(PAGE, a);
            assertThat(Patterns.matches(region.view(0, PAGE), 2)).isTrue();
            assertThat(Patterns.matches(region.view(PAGE, PAGE), 1)).isTrue();
            assertThat(pool.snapshot().remaps()).isEqualTo(2);
            assertThat(a.mappedPages()).isEqualTo(1);
            assertThat(b.mappedPages()).isEqualTo(1);
        }
    }

    @Test
    void viewsAreInvalidatedBeforeTheirPagesChange() {
        try (DevicePool pool = DevicePool.open("views", 4 * PAGE, PAGE);
                VirtualRegion region = VirtualRegion.reserve(pool, "views", 4 * PAGE)) {
            PoolAllocation a = pool.allocate("a", PAGE);
            PoolAllocation b = pool.allocate("b", PAGE);
            region.map(0, a);
            region.map(PAGE, b);
            MemorySegment onA = region.view(0, PAGE);
            MemorySegment onB = region.view(PAGE, PAGE);
            assertThat(region.view(0, PAGE)).isSameAs(onA);

            region.unmap(0, PAGE);

            assertThatThrownBy(() -> onA.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
            assertThat(onB.get(JAVA_LONG, 0)).isZero(); // untouched pages keep their view
            region.remap(PAGE, 3 * PAGE, PAGE);
            assertThatThrownBy(() -> onB.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void mappingMistakesGiveClearExceptions() {
        try (DevicePool pool = DevicePool.open("bad", 8 * PAGE, PAGE);
                DevicePool other = DevicePool.open("bad-other", 4 * PAGE, PAGE);
                VirtualRegion region = VirtualRegion.reserve(pool, "bad", 4 * PAGE)) {
            PoolAllocation a = pool.allocate("a", 2 * PAGE);
            PoolAllocation b = pool.allocate("b", PAGE);
            region.map(0, a);
            assertThatThrownBy(() -> region.map(PAGE, b))
                    .isInstanceOf(MappingException.class)
                    .hasMessageContaining("the page at offset 4096 is already mapped to allocation #1");
            assertThatThrownBy(() -> region.unmap(2 * PAGE, PAGE))
                    .isInstanceOf(MappingException.class)
                    .hasMessageContaining("unmap in region 'bad': the page at offset 8192 is not mapped");
            assertThatThrownBy(() -> region.view(PAGE, 2 * PAGE))
                    .isInstanceOf(MappingException.class)
                    .hasMessageContaining("the page at offset 8192 is not mapped");
            assertThatThrownBy(() -> region.unmap(100, PAGE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("offset 100 and size 4096 must be non-negative multiples of the page size");
            assertThatThrownBy(() -> region.unmap(0, -PAGE)).hasMessageContaining("size must be positive");
            assertThatThrownBy(() -> region.map(-PAGE, b)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> region.map(3 * PAGE, a)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("does not fit in the region's 16384 bytes");
            assertThatThrownBy(() -> region.remap(0, PAGE, 2 * PAGE)).hasMessageContaining("overlap");
            assertThatThrownBy(() -> region.replace(2 * PAGE, b)).isInstanceOf(MappingException.class);
            assertThatThrownBy(() -> region.map(2 * PAGE, other.allocate("x", PAGE)))
                    .isInstanceOf(MappingException.class)
                    .hasMessageContaining("belongs to pool 'bad-other', not to pool 'bad'");
            pool.free(b);
            assertThatThrownBy(() -> region.map(2 * PAGE, b))
                    .isInstanceOf(ReleasedResourceException.class)
                    .hasMessageContaining("cannot map allocation #2");
            assertThatThrownBy(() -> VirtualRegion.reserve(pool, "odd", PAGE + 1))
                    .hasMessageContaining("must be a positive multiple of pool 'bad' page size 4096, got 4097");
            // nothing above changed the region
            assertThat(region.mappedBytes()).isEqualTo(2 * PAGE);
            assertThat(a.mappedPages()).isEqualTo(2);
        }
    }

    @Test
    void regionsAreAlignedToThePoolPageAndCloseInvalidatesEverything() {
        long huge = DevicePool.DEFAULT_PAGE_BYTES;
        DevicePool pool = DevicePool.open("aligned", 2 * huge);
        VirtualRegion region = VirtualRegion.reserve(pool, "aligned", 2 * huge);
        assertThat(region.baseAddress() % huge).isZero();
        PoolAllocation a = pool.allocate("a", huge);
        region.map(huge, a);
        MemorySegment view = region.view(huge, huge);
        view.set(JAVA_LONG, huge - 8, 99);
        long base = region.baseAddress();

        region.close();

        assertThatThrownBy(() -> view.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> region.view(huge, huge)).isInstanceOf(ReleasedResourceException.class);
        assertThat(ProcessMemory.mappings()).noneMatch(m -> m.overlaps(base, base + 2 * huge) && m.isShared());
        assertThat(a.mappedPages()).isZero();
        pool.free(a); // the allocation outlives the region
        pool.close();
    }

    private static MemoryMapping mappingAt(long address) {
        return ProcessMemory.mappings().stream()
                .filter(m -> m.start() <= address && address < m.end())
                .findFirst().orElseThrow();
    }
}
