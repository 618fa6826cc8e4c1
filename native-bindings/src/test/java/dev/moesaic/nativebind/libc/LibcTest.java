package dev.moesaic.nativebind.libc;

import static dev.moesaic.nativebind.libc.Libc.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class LibcTest {
    private static final long PAGE = Libc.pageSize();

    @Test
    void pageSizeIsTheX86LinuxBasePage() {
        assertThat(PAGE).isEqualTo(4096);
    }

    @Test
    void twoSharedMappingsOfOneMemfdSeeTheSameBytes() {
        int fd = memfdCreate("libc-test-alias", MFD_CLOEXEC);
        try {
            ftruncate(fd, 4 * PAGE);
            long first = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            long second = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PAGE);
            try {
                MemorySegment a = MemorySegment.ofAddress(first).reinterpret(4 * PAGE);
                MemorySegment b = MemorySegment.ofAddress(second).reinterpret(2 * PAGE);
                a.set(ValueLayout.JAVA_LONG, 2 * PAGE + 8, 0x1234_5678_9abcL);
                assertThat(b.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(0x1234_5678_9abcL);
                b.set(ValueLayout.JAVA_BYTE, PAGE, (byte) 7);
                assertThat(a.get(ValueLayout.JAVA_BYTE, 3 * PAGE)).isEqualTo((byte) 7);
            } finally {
                munmap(first, 4 * PAGE);
                munmap(second, 2 * PAGE);
            }
        } finally {
            close(fd);
        }
    }

    @Test
    void copyFileRangeCopiesBetweenMemfdsVisibleThroughTheirMappings() {
        int from = memfdCreate("libc-test-cfr-from", MFD_CLOEXEC);
        int to = memfdCreate("libc-test-cfr-to", MFD_CLOEXEC);
        try {
            ftruncate(from, 4 * PAGE);
            ftruncate(to, 4 * PAGE);
            long a = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, from, 0);
            long b = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, to, 0);
            try {
                MemorySegment src = MemorySegment.ofAddress(a).reinterpret(4 * PAGE);
                MemorySegment dst = MemorySegment.ofAddress(b).reinterpret(4 * PAGE);
                for (long i = 0; i < 4 * PAGE; i++) {
                    src.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
                }
                // two pages of the source, starting at its second page, land at the target's third page
                copyFileRange(from, PAGE, to, 2 * PAGE, 2 * PAGE - 100);
                assertThat(dst.asSlice(2 * PAGE, 2 * PAGE - 100).mismatch(src.asSlice(PAGE, 2 * PAGE - 100))).isEqualTo(-1);
                assertThat(dst.get(ValueLayout.JAVA_BYTE, 4 * PAGE - 100)).isZero();
                assertThat(dst.asSlice(0, 2 * PAGE).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
            } finally {
                munmap(a, 4 * PAGE);
                munmap(b, 4 * PAGE);
            }
        } finally {
            close(from);
            close(to);
        }
    }

    @Test
    void copyFileRangeFailuresNameTheCall() {
        int fd = memfdCreate("libc-test-cfr-bad", MFD_CLOEXEC);
        try {
            ftruncate(fd, PAGE);
            assertThatThrownBy(() -> copyFileRange(fd, 0, 1_000_000, 0, PAGE))
                    .isInstanceOf(ErrnoException.class)
                    .hasMessageContaining("copy_file_range(fdIn=" + fd)
                    .hasMessageContaining("EBADF");
            int other = memfdCreate("libc-test-cfr-other", MFD_CLOEXEC);
            try {
                assertThatThrownBy(() -> copyFileRange(fd, PAGE / 2, other, 0, PAGE))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("end of the source");
            } finally {
                close(other);
            }
            assertThatThrownBy(() -> copyFileRange(fd, -1, fd, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        } finally {
            close(fd);
        }
    }

    @Test
    void mapFixedOverAReservationReplacesItAndPunchedHolesReadAsZero() {
        int fd = memfdCreate("libc-test-fixed", MFD_CLOEXEC);
        long reservation = mmap(0, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        try {
            ftruncate(fd, 2 * PAGE);
            long placed = mmap(reservation + 3 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
            assertThat(placed).isEqualTo(reservation + 3 * PAGE);
            MemorySegment view = MemorySegment.ofAddress(placed).reinterpret(2 * PAGE);
            view.fill((byte) 0x5a);
            assertThat(view.get(ValueLayout.JAVA_BYTE, PAGE + 1)).isEqualTo((byte) 0x5a);

            fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE, PAGE);
            assertThat(view.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x5a);
            assertThat(view.get(ValueLayout.JAVA_BYTE, PAGE + 1)).isZero();

            var line = ProcessMemory.mappings().stream().filter(m -> m.start() == placed).findFirst().orElseThrow();
            assertThat(line.permissions()).isEqualTo("rw-s");
            assertThat(line.path()).startsWith("/memfd:libc-test-fixed");
        } finally {
            munmap(reservation, 8 * PAGE);
            close(fd);
        }
    }

    @Test
    void closingABadDescriptorNamesEbadf() {
        assertThatThrownBy(() -> close(-1))
                .isInstanceOf(ErrnoException.class)
                .hasMessage("close(fd=-1) failed: EBADF (Bad file descriptor)")
                .satisfies(e -> {
                    ErrnoException errno = (ErrnoException) e;
                    assertThat(errno.errno()).isEqualTo(Errno.EBADF);
                    assertThat(errno.errnoName()).isEqualTo("EBADF");
                    assertThat(errno.call()).isEqualTo("close(fd=-1)");
                });
    }

    @Test
    void mmapAtAnUnalignedFixedAddressNamesEinvalAndTheArguments() {
        assertThatThrownBy(() -> mmap(4097, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0))
                .isInstanceOf(ErrnoException.class)
                .hasMessageStartingWith("mmap(address=0x1001, length=4096, prot=PROT_READ, "
                        + "flags=MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, fd=-1, offset=0) failed: EINVAL (Invalid argument)");
    }

    @Test
    void otherCallsReportTheirErrnoToo() {
        assertThatThrownBy(() -> ftruncate(-1, PAGE)).hasMessageContaining("ftruncate(fd=-1, length=4096) failed: EBADF");
        assertThatThrownBy(() -> memfdCreate("bad-flags", 0x7000_0000)).hasMessageContaining("failed: EINVAL");
        assertThatThrownBy(() -> munmap(123, PAGE)).hasMessageContaining("munmap(address=0x7b, length=4096) failed: EINVAL");
        assertThatThrownBy(() -> mprotect(5, PAGE, PROT_READ)).hasMessageContaining("failed: EINVAL");
        assertThatThrownBy(() -> madvise(5, PAGE, MADV_DONTNEED)).hasMessageContaining("failed: EINVAL");
        assertThatThrownBy(() -> fallocate(-1, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE))
                .hasMessageContaining("mode=FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE").hasMessageContaining("EBADF");
    }

    @Test
    void mmapOfMoreThanTheAddressSpaceNamesEnomemWithAHint() {
        assertThatThrownBy(() -> mmap(0, 1L << 62, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0))
                .isInstanceOf(ErrnoException.class)
                .hasMessageContaining("ENOMEM (Cannot allocate memory)")
                .hasMessageContaining("max_map_count");
    }

    @Test
    void flagTextNamesEveryBit() {
        assertThat(describeProt(PROT_READ | PROT_WRITE)).isEqualTo("PROT_READ|PROT_WRITE");
        assertThat(describeProt(PROT_NONE)).isEqualTo("PROT_NONE");
        assertThat(describeMapFlags(MAP_SHARED | MAP_FIXED)).isEqualTo("MAP_SHARED|MAP_FIXED");
        assertThat(describeMapFlags(0x100000 | MAP_SHARED)).isEqualTo("MAP_SHARED|0x100000");
    }
}
