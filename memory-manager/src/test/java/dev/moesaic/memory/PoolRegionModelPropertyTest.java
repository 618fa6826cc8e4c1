package dev.moesaic.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.testing.SeededProperty;
import dev.moesaic.nativebind.libc.MemoryMapping;
import dev.moesaic.nativebind.libc.ProcessMemory;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of allocate / free / map / unmap / remap / replace / write / copy ("migrate") across three
 * pools and four regions, against a plain-Java model. After every step: no page owned twice, no leak,
 * accounting equals the sum of live allocations, every region shows exactly the model's bytes; every few steps
 * the kernel's own view ({@code /proc/self/maps}) is checked too.
 */
class PoolRegionModelPropertyTest {
    /** The operations, each with its weight: how often it is drawn relative to the others. */
    enum Kind {
        ALLOCATE(4), FREE(2), DOUBLE_FREE(1), MAP(4), UNMAP(2), REMAP(3), REPLACE(2), WRITE(3), COPY(2);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }

        static Kind draw(SplittableRandom random) {
            int totalWeight = 0;
            for (Kind kind : values()) {
                totalWeight += kind.weight;
            }
            int roll = random.nextInt(totalWeight);
            for (Kind kind : values()) {
                roll -= kind.weight;
                if (roll < 0) {
                    return kind;
                }
            }
            throw new AssertionError("roll beyond the total weight " + totalWeight);
        }
    }

    record Step(Kind kind, int a, int b, int c, int d) {
    }

    /** One allocation as the model sees it: its pages' bytes live here, in plain Java. */
    static final class ModelAllocation {
        final int pool;
        final String owner;
        final int pages;
        final byte[] bytes;
        final PoolAllocation real;
        boolean live = true;

        ModelAllocation(int pool, String owner, int pages, long pageBytes, PoolAllocation real) {
            this.pool = pool;
            this.owner = owner;
            this.pages = pages;
            this.bytes = new byte[(int) (pages * pageBytes)];
            this.real = real;
        }
    }

    static final class ModelRegion {
        final int pool;
        final VirtualRegion real;
        final ModelAllocation[] backing;
        final int[] index;

        ModelRegion(int pool, VirtualRegion real, int pages) {
            this.pool = pool;
            this.real = real;
            this.backing = new ModelAllocation[pages];
            this.index = new int[pages];
        }

        int pages() {
            return backing.length;
        }
    }

    private static final long[] PAGE_BYTES = {4096, 4096, 8192};
    private static final int[] POOL_PAGES = {24, 32, 16};
    private static final int[] REGION_POOL = {0, 1, 1, 2};
    private static final int[] REGION_PAGES = {16, 12, 8, 10};

    @Test
    void everyStepKeepsPoolsRegionsAndModelInAgreement() {
        SeededProperty.check(80, c -> checkAgreement(c, steps(c)));
    }

    /** 1 to 60 steps, kinds by weight, operands drawn from 0..1000 and reduced by each kind. */
    private static List<Step> steps(SeededProperty.Case c) {
        int length = c.integer("steps", 1, 60);
        SplittableRandom random = c.random();
        List<Step> steps = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            steps.add(new Step(Kind.draw(random), random.nextInt(1001), random.nextInt(1001), random.nextInt(1001),
                    random.nextInt(1001)));
        }
        return steps;
    }

    private static void checkAgreement(SeededProperty.Case c, List<Step> steps) {
        DevicePool[] pools = new DevicePool[3];
        List<ModelRegion> regions = new ArrayList<>();
        List<ModelAllocation> allocations = new ArrayList<>();
        long[] modelPeakPages = new long[3];
        CopyEngine engine = CopyEngine.unlimited();
        long[] copied = {0};
        try {
            for (int p = 0; p < 3; p++) {
                pools[p] = DevicePool.open("prop" + p, POOL_PAGES[p] * PAGE_BYTES[p], PAGE_BYTES[p]);
            }
            for (int r = 0; r < REGION_POOL.length; r++) {
                int p = REGION_POOL[r];
                regions.add(new ModelRegion(p, VirtualRegion.reserve(pools[p], "region" + r,
                        REGION_PAGES[r] * PAGE_BYTES[p]), REGION_PAGES[r]));
            }
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                c.step(i, step);
                apply(step, pools, regions, allocations, modelPeakPages, engine, copied);
                verify(pools, regions, allocations, modelPeakPages, engine, copied[0]);
                if ((i + 1) % 10 == 0) {
                    verifyKernelView(pools, regions);
                }
            }
            c.step(steps.size(), "after the last step: the kernel's view, then closing the pools");
            verifyKernelView(pools, regions);
        } finally {
            for (DevicePool pool : pools) {
                if (pool != null) {
                    pool.close();
                }
            }
        }
        for (int p = 0; p < 3; p++) {
            assertThat(pools[p].usedBytes()).isZero();
            assertThat(ProcessMemory.memfdMappings(DevicePool.MEMFD_NAME_PREFIX + "prop" + p)).isEmpty();
        }
        assertThat(allocations).allSatisfy(a -> assertThat(a.real.isLive()).isFalse());
    }

    private static void apply(Step step, DevicePool[] pools, List<ModelRegion> regions,
            List<ModelAllocation> allocations, long[] peaks, CopyEngine engine, long[] copied) {
        List<ModelAllocation> live = allocations.stream().filter(x -> x.live).toList();
        switch (step.kind()) {
            case ALLOCATE -> {
                int p = step.a() % 3;
                int pages = 1 + step.b() % 6;
                String owner = "owner" + step.c() % 3;
                long freePages = POOL_PAGES[p] - usedPages(allocations, p);
                if (pages > freePages) {
                    expectUnchanged(pools[p], () -> pools[p].allocate(owner, pages * PAGE_BYTES[p]),
                            PoolExhaustedException.class);
                } else {
                    PoolAllocation real = pools[p].allocate(owner, pages * PAGE_BYTES[p]);
                    allocations.add(new ModelAllocation(p, owner, pages, PAGE_BYTES[p], real));
                    peaks[p] = Math.max(peaks[p], usedPages(allocations, p));
                }
            }
            case FREE -> {
                if (live.isEmpty()) {
                    return;
                }
                ModelAllocation x = live.get(step.a() % live.size());
                if (mappedPages(regions, x) > 0) {
                    expectUnchanged(pools[x.pool], () -> pools[x.pool].free(x.real), MappingException.class);
                } else {
                    pools[x.pool].free(x.real);
                    x.live = false;
                }
            }
            case DOUBLE_FREE -> {
                List<ModelAllocation> dead = allocations.stream().filter(x -> !x.live).toList();
                if (dead.isEmpty()) {
                    return;
                }
                ModelAllocation x = dead.get(step.a() % dead.size());
                expectUnchanged(pools[x.pool], () -> pools[x.pool].free(x.real), ReleasedResourceException.class);
            }
            case MAP -> {
                ModelRegion r = regions.get(step.a() % regions.size());
                List<ModelAllocation> candidates = live.stream().filter(x -> x.pool == r.pool).toList();
                if (candidates.isEmpty()) {
                    return;
                }
                ModelAllocation x = candidates.get(step.b() % candidates.size());
                int at = step.c() % r.pages();
                long offset = at * PAGE_BYTES[r.pool];
                if (at + x.pages > r.pages()) {
                    assertThatThrownBy(() -> r.real.map(offset, x.real)).isInstanceOf(IndexOutOfBoundsException.class);
                } else if (!allUnmapped(r, at, x.pages)) {
                    assertThatThrownBy(() -> r.real.map(offset, x.real)).isInstanceOf(MappingException.class);
                } else {
                    r.real.map(offset, x.real);
                    for (int i = 0; i < x.pages; i++) {
                        r.backing[at + i] = x;
                        r.index[at + i] = i;
                    }
                }
            }
            case UNMAP -> {
                ModelRegion r = regions.get(step.a() % regions.size());
                int at = step.b() % r.pages();
                int pages = 1 + step.c() % 4;
                long pageBytes = PAGE_BYTES[r.pool];
                if (at + pages > r.pages()) {
                    assertThatThrownBy(() -> r.real.unmap(at * pageBytes, pages * pageBytes))
                            .isInstanceOf(IndexOutOfBoundsException.class);
                } else if (!allMapped(r, at, pages)) {
                    assertThatThrownBy(() -> r.real.unmap(at * pageBytes, pages * pageBytes))
                            .isInstanceOf(MappingException.class);
                } else {
                    r.real.unmap(at * pageBytes, pages * pageBytes);
                    Arrays.fill(r.backing, at, at + pages, null);
                }
            }
            case REMAP -> {
                ModelRegion r = regions.get(step.a() % regions.size());
                int from = step.b() % r.pages();
                int to = step.c() % r.pages();
                int pages = 1 + step.d() % 4;
                long pageBytes = PAGE_BYTES[r.pool];
                Runnable call = () -> r.real.remap(from * pageBytes, to * pageBytes, pages * pageBytes);
                if (from + pages > r.pages() || to + pages > r.pages()) {
                    assertThatThrownBy(call::run).isInstanceOf(IndexOutOfBoundsException.class);
                } else if (from < to + pages && to < from + pages) {
                    assertThatThrownBy(call::run).isInstanceOf(MappingException.class).hasMessageContaining("overlap");
                } else if (!allMapped(r, from, pages) || !allUnmapped(r, to, pages)) {
                    assertThatThrownBy(call::run).isInstanceOf(MappingException.class);
                } else {
                    call.run();
                    for (int i = 0; i < pages; i++) {
                        r.backing[to + i] = r.backing[from + i];
                        r.index[to + i] = r.index[from + i];
                        r.backing[from + i] = null;
                    }
                }
            }
            case REPLACE -> {
                ModelRegion r = regions.get(step.a() % regions.size());
                List<ModelAllocation> candidates = live.stream().filter(x -> x.pool == r.pool).toList();
                if (candidates.isEmpty()) {
                    return;
                }
                ModelAllocation x = candidates.get(step.b() % candidates.size());
                int at = step.c() % r.pages();
                long offset = at * PAGE_BYTES[r.pool];
                if (at + x.pages > r.pages()) {
                    assertThatThrownBy(() -> r.real.replace(offset, x.real)).isInstanceOf(IndexOutOfBoundsException.class);
                } else if (!allMapped(r, at, x.pages)) {
                    assertThatThrownBy(() -> r.real.replace(offset, x.real)).isInstanceOf(MappingException.class);
                } else {
                    r.real.replace(offset, x.real);
                    for (int i = 0; i < x.pages; i++) {
                        r.backing[at + i] = x;
                        r.index[at + i] = i;
                    }
                }
            }
            case WRITE -> {
                ModelRegion r = regions.get(step.a() % regions.size());
                int page = step.b() % r.pages();
                long pageBytes = PAGE_BYTES[r.pool];
                int start = step.c() % (int) pageBytes;
                int length = 1 + step.d() * 7 % (int) (pageBytes - start);
                long offset = page * pageBytes + start;
                if (r.backing[page] == null) {
                    assertThatThrownBy(() -> r.real.view(offset, length)).isInstanceOf(MappingException.class);
                } else {
                    long seed = step.d();
                    Patterns.fill(r.real.view(offset, length), seed);
                    byte[] pattern = Patterns.bytes(seed, length);
                    ModelAllocation x = r.backing[page];
                    System.arraycopy(pattern, 0, x.bytes, (int) (r.index[page] * pageBytes) + start, length);
                }
            }
            case COPY -> {
                if (live.size() < 2) {
                    return;
                }
                ModelAllocation from = live.get(step.a() % live.size());
                ModelAllocation to = live.get(step.b() % live.size());
                if (from == to) {
                    return;
                }
                int length = Math.min(from.bytes.length, to.bytes.length) - step.c() % 100;
                engine.copy(from.real, 0, to.real, 0, length);
                System.arraycopy(from.bytes, 0, to.bytes, 0, length);
                copied[0] += length;
            }
        }
    }

    private static void verify(DevicePool[] pools, List<ModelRegion> regions, List<ModelAllocation> allocations,
            long[] peaks, CopyEngine engine, long copied) {
        for (int p = 0; p < 3; p++) {
            DevicePool pool = pools[p];
            long pageBytes = PAGE_BYTES[p];
            int poolIndex = p;
            List<ModelAllocation> live = allocations.stream().filter(x -> x.live && x.pool == poolIndex).toList();
            long used = live.stream().mapToLong(x -> x.pages).sum();
            assertThat(pool.usedBytes()).isEqualTo(used * pageBytes);
            assertThat(pool.freeBytes()).isEqualTo((POOL_PAGES[p] - used) * pageBytes);
            assertThat(pool.peakBytes()).isEqualTo(peaks[p] * pageBytes);
            Map<String, Long> byOwner = new HashMap<>();
            live.forEach(x -> byOwner.merge(x.owner, x.pages * pageBytes, Long::sum));
            assertThat(pool.bytesByOwner()).isEqualTo(byOwner);
            assertThat(pool.liveAllocations()).containsExactlyInAnyOrderElementsOf(live.stream().map(x -> x.real).toList());
            // no page owned twice, and the pool's own page table agrees with the allocations
            long[] owner = new long[POOL_PAGES[p]];
            for (ModelAllocation x : live) {
                assertThat(x.real.pageCount()).isEqualTo(x.pages);
                for (int i = 0; i < x.pages; i++) {
                    int page = x.real.poolPage(i);
                    assertThat(owner[page]).as("page %d of pool %d owned twice", page, p).isZero();
                    owner[page] = x.real.id();
                }
            }
            for (int page = 0; page < POOL_PAGES[p]; page++) {
                assertThat(pool.ownerOfPage(page)).isEqualTo(owner[page]);
            }
            assertThat(pool.freeRuns().stream().mapToLong(PageRun::pageCount).sum()).isEqualTo(POOL_PAGES[p] - used);
        }
        for (ModelAllocation x : allocations) {
            assertThat(x.real.isLive()).isEqualTo(x.live);
            if (x.live) {
                assertThat(x.real.mappedPages()).isEqualTo(mappedPages(regions, x));
            }
        }
        for (ModelRegion r : regions) {
            long pageBytes = PAGE_BYTES[r.pool];
            for (int page = 0; page < r.pages(); page++) {
                ModelAllocation x = r.backing[page];
                assertThat(r.real.backingAllocation(page)).isSameAs(x == null ? null : x.real);
                assertThat(r.real.isMapped(page * pageBytes, pageBytes)).isEqualTo(x != null);
                if (x != null) {
                    assertThat(r.real.backingPoolPage(page)).isEqualTo(x.real.poolPage(r.index[page]));
                    MemorySegment actual = r.real.view(page * pageBytes, pageBytes);
                    MemorySegment expected = MemorySegment.ofArray(x.bytes)
                            .asSlice(r.index[page] * pageBytes, pageBytes);
                    assertThat(actual.mismatch(expected)).as("bytes of region page %d", page).isEqualTo(-1);
                }
            }
        }
        assertThat(engine.bytesCopied()).isEqualTo(copied);
    }

    /** The kernel's page tables say the same as the model: which memfd page is where, and reservation elsewhere. */
    private static void verifyKernelView(DevicePool[] pools, List<ModelRegion> regions) {
        List<MemoryMapping> mappings = ProcessMemory.mappings();
        for (ModelRegion r : regions) {
            long pageBytes = PAGE_BYTES[r.pool];
            for (int page = 0; page < r.pages(); page++) {
                long address = r.real.baseAddress() + page * pageBytes;
                MemoryMapping mapping = mappings.stream()
                        .filter(m -> m.start() <= address && address < m.end()).findFirst().orElseThrow();
                ModelAllocation x = r.backing[page];
                if (x == null) {
                    assertThat(mapping.permissions()).isEqualTo("---p");
                } else {
                    assertThat(mapping.permissions()).isEqualTo("rw-s");
                    assertThat(mapping.path()).startsWith("/memfd:" + DevicePool.MEMFD_NAME_PREFIX + pools[r.pool].device());
                    assertThat(mapping.fileOffset() + (address - mapping.start()))
                            .isEqualTo(x.real.poolPage(r.index[page]) * pageBytes);
                }
            }
        }
    }

    private static void expectUnchanged(DevicePool pool, Runnable call, Class<? extends Throwable> type) {
        DeviceMemorySnapshot before = pool.snapshot();
        List<PageRun> freeBefore = pool.freeRuns();
        assertThatThrownBy(call::run).isInstanceOf(type);
        assertThat(pool.snapshot()).isEqualTo(before);
        assertThat(pool.freeRuns()).isEqualTo(freeBefore);
    }

    private static long usedPages(List<ModelAllocation> allocations, int pool) {
        return allocations.stream().filter(x -> x.live && x.pool == pool).mapToLong(x -> x.pages).sum();
    }

    private static long mappedPages(List<ModelRegion> regions, ModelAllocation x) {
        long count = 0;
        for (ModelRegion r : regions) {
            for (ModelAllocation page : r.backing) {
                if (page == x) {
                    count++;
                }
            }
        }
        return count;
    }

    private static boolean allMapped(ModelRegion r, int at, int pages) {
        for (int i = at; i < at + pages; i++) {
            if (r.backing[i] == null) {
                return false;
            }
        }
        return true;
    }

    private static boolean allUnmapped(ModelRegion r, int at, int pages) {
        for (int i = at; i < at + pages; i++) {
            if (r.backing[i] != null) {
                return false;
            }
        }
        return true;
    }

}
