package dev.moesaic.nativebind.libc;

/**
 * One line of {@code /proc/self/maps}: the address range {@code [start, end)}, permissions such as
 * {@code rw-s}, the offset into the mapped file, and the path ({@code "/memfd:name (deleted)"},
 * {@code "[heap]"}, or empty for anonymous memory).
 */
public record MemoryMapping(long start, long end, String permissions, long fileOffset, String path) {
    public long bytes() {
        return end - start;
    }

    /** True for {@code ---p} style entries: reserved address space that cannot be read or written. */
    public boolean isInaccessible() {
        return permissions.startsWith("---");
    }

    public boolean isShared() {
        return permissions.length() >= 4 && permissions.charAt(3) == 's';
    }

    /** True if this mapping overlaps {@code [from, to)}. */
    public boolean overlaps(long from, long to) {
        return start < to && from < end;
    }
}
