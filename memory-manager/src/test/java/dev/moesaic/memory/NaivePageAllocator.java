package dev.moesaic.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * The slow, obvious twin of {@link PageRunAllocator}: one boolean per page, scanned from page 0. Same policy
 * (lowest run long enough; otherwise gather free pages from the lowest address), written the plainest way.
 */
final class NaivePageAllocator {
    private final boolean[] used;

    NaivePageAllocator(int pages) {
        used = new boolean[pages];
    }

    int freePages() {
        int free = 0;
        for (boolean page : used) {
            free += page ? 0 : 1;
        }
        return free;
    }

    List<PageRun> allocate(int pages) {
        if (pages <= 0 || pages > freePages()) {
            return null;
        }
        int start = 0;
        while (start < used.length) {
            if (used[start]) {
                start++;
                continue;
            }
            int end = start;
            while (end < used.length && !used[end]) {
                end++;
            }
            if (end - start >= pages) {
                mark(start, pages, true);
                return List.of(new PageRun(start, pages));
            }
            start = end;
        }
        List<PageRun> runs = new ArrayList<>();
        int missing = pages;
        int page = 0;
        while (missing > 0) {
            if (used[page]) {
                page++;
                continue;
            }
            int first = page;
            while (page < used.length && !used[page] && missing > 0) {
                page++;
                missing--;
            }
            runs.add(new PageRun(first, page - first));
        }
        runs.forEach(run -> mark(run.firstPage(), run.pageCount(), true));
        return runs;
    }

    void free(List<PageRun> runs) {
        runs.forEach(run -> mark(run.firstPage(), run.pageCount(), false));
    }

    List<PageRun> freeRuns() {
        List<PageRun> runs = new ArrayList<>();
        int page = 0;
        while (page < used.length) {
            if (used[page]) {
                page++;
                continue;
            }
            int first = page;
            while (page < used.length && !used[page]) {
                page++;
            }
            runs.add(new PageRun(first, page - first));
        }
        return runs;
    }

    private void mark(int first, int count, boolean value) {
        for (int page = first; page < first + count; page++) {
            used[page] = value;
        }
    }
}
