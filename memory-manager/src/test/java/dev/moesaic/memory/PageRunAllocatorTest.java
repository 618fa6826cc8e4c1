package dev.moesaic.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.testing.SeededProperty;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageRunAllocatorTest {
    @Test
    void firstFitTakesTheLowestRunThatIsLongEnough() {
        PageRunAllocator allocator = new PageRunAllocator(10);
        List<PageRun> a = allocator.allocate(3);
        List<PageRun> b = allocator.allocate(2);
        allocator.allocate(5);
        allocator.free(a);
        allocator.free(b);
        assertThat(allocator.allocate(4)).containsExactly(new PageRun(0, 4));
    }

    @Test
    void fragmentedMemoryIsGatheredFromTheLowestAddress() {
        PageRunAllocator allocator = new PageRunAllocator(8);
        List<List<PageRun>> pages = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            pages.add(allocator.allocate(1));
        }
        allocator.free(pages.get(1));
        allocator.free(pages.get(4));
        allocator.free(pages.get(5));
        assertThat(allocator.allocate(3)).containsExactly(new PageRun(1, 1), new PageRun(4, 2));
        assertThat(allocator.freePages()).isZero();
        assertThat(allocator.allocate(1)).isNull();
    }

    @Test
    void freeingAFreePageIsCaught() {
        PageRunAllocator allocator = new PageRunAllocator(4);
        List<PageRun> run = allocator.allocate(2);
        allocator.free(run);
        assertThatThrownBy(() -> allocator.free(run)).hasMessageContaining("pages freed twice");
    }

    /**
     * The fast free-run tree makes exactly the choices of the page-by-page scan. Each case is 1 to 80 operations:
     * a positive number allocates that many pages, zero or a negative one frees a held allocation picked by it.
     */
    @Test
    void agreesWithTheNaiveScan() {
        SeededProperty.check(300, c -> {
            int length = c.integer("operations", 1, 80);
            PageRunAllocator fast = new PageRunAllocator(64);
            NaivePageAllocator slow = new NaivePageAllocator(64);
            List<List<PageRun>> held = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                int op = c.random().nextInt(-40, 13);
                c.step(i, op > 0 ? "allocate " + op + " pages" : "free held[" + -op + " % " + held.size() + "]");
                if (op > 0) {
                    List<PageRun> got = fast.allocate(op);
                    assertThat(got).isEqualTo(slow.allocate(op));
                    if (got != null) {
                        held.add(got);
                    }
                } else if (!held.isEmpty()) {
                    List<PageRun> runs = held.remove(-op % held.size());
                    fast.free(runs);
                    slow.free(runs);
                }
                assertThat(fast.freeRuns()).isEqualTo(slow.freeRuns());
                assertThat(fast.freePages()).isEqualTo(slow.freePages());
            }
        });
    }
}
