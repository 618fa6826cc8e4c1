package dev.moesaic.memory;

/** {@code pageCount} consecutive pages of a pool starting at page {@code firstPage}. */
public record PageRun(int firstPage, int pageCount) {
    public PageRun {
        if (firstPage < 0 || pageCount <= 0) {
            throw new IllegalArgumentException("a page run needs firstPage >= 0 and pageCount > 0, got firstPage="
                    + firstPage + ", pageCount=" + pageCount);
        }
    }

    /** One past the last page. */
    public int endPage() {
        return firstPage + pageCount;
    }
}
