package dev.moesaic.memory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Free-page bookkeeping of one pool: the free pages as maximal runs, keyed by first page. Policy: the lowest
 * free run that is long enough (first fit, so one allocation is one mmap); if no single run is long enough,
 * free pages are gathered from the lowest address up, so an allocation only fails when the pool really has
 * too few free pages. Not thread-safe: {@link DevicePool} calls it under its lock.
 */
final class PageRunAllocator {
    private final int totalPages;
    private final TreeMap<Integer, Integer> freeRuns = new TreeMap<>(); // first page -> page count
    private int freePages;

    PageRunAllocator(int totalPages) {
        this.totalPages = totalPages;
        this.freeRuns.put(0, totalPages);
        this.freePages = totalPages;
    }

    int freePages() {
        return freePages;
    }

    int totalPages() {
        return totalPages;
    }

    /** Takes {@code pages} free pages, or returns null (and changes nothing) if fewer are free. */
    List<PageRun> allocate(int pages) {
        if (pages <= 0 || pages > freePages) {
            return null;
        }
        for (Map.Entry<Integer, Integer> run : freeRuns.entrySet()) {
            // Read the entry before take(): TreeMap may reuse a removed entry's node for its successor.
            int start = run.getKey();
            int length = run.getValue();
            if (length >= pages) {
                take(start, length, pages);
                return List.of(new PageRun(start, pages));
            }
        }
        List<PageRun> gathered = new ArrayList<>();
        int missing = pages;
        Iterator<Map.Entry<Integer, Integer>> runs = freeRuns.entrySet().iterator();
        while (missing > 0) {
            Map.Entry<Integer, Integer> run = runs.next();
            int taken = Math.min(missing, run.getValue());
            gathered.add(new PageRun(run.getKey(), taken));
            missing -= taken;
        }
        for (PageRun run : gathered) {
            take(run.firstPage(), freeRuns.get(run.firstPage()), run.pageCount());
        }
        return List.copyOf(gathered);
    }

    /** Gives the runs back, merging with free neighbours. Throws if any page is already free. */
    void free(List<PageRun> runs) {
        for (PageRun run : runs) {
            requireAllocated(run);
        }
        for (PageRun run : runs) {
            int first = run.firstPage();
            int count = run.pageCount();
            Map.Entry<Integer, Integer> before = freeRuns.lowerEntry(first);
            if (before != null && before.getKey() + before.getValue() == first) {
                first = before.getKey();
                count += before.getValue();
                freeRuns.remove(before.getKey());
            }
            Integer after = freeRuns.get(run.endPage());
            if (after != null) {
                freeRuns.remove(run.endPage());
                count += after;
            }
            freeRuns.put(first, count);
            freePages += run.pageCount();
        }
    }

    /** The free runs in address order (for tests and diagnostics). */
    List<PageRun> freeRuns() {
        return freeRuns.entrySet().stream().map(e -> new PageRun(e.getKey(), e.getValue())).toList();
    }

    private void take(int runStart, int runLength, int pages) {
        freeRuns.remove(runStart);
        if (runLength > pages) {
            freeRuns.put(runStart + pages, runLength - pages);
        }
        freePages -= pages;
    }

    private void requireAllocated(PageRun run) {
        if (run.endPage() > totalPages) {
            throw new IllegalStateException("page run " + run + " lies outside the pool's " + totalPages + " pages");
        }
        Map.Entry<Integer, Integer> floor = freeRuns.floorEntry(run.endPage() - 1);
        if (floor != null && floor.getKey() + floor.getValue() > run.firstPage()) {
            throw new IllegalStateException("page run " + run + " overlaps free run [" + floor.getKey() + ", "
                    + (floor.getKey() + floor.getValue()) + "): pages freed twice");
        }
    }
}
