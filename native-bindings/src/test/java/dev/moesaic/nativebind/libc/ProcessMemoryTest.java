package dev.moesaic.nativebind.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcessMemoryTest {
    @Test
    void parsesMapsLinesWithAndWithoutPaths() {
        MemoryMapping memfd = ProcessMemory.parseMapsLine(
                "7f12a0000000-7f12a0200000 rw-s 00400000 00:01 1234                       /memfd:pool a (deleted)");
        assertThat(memfd).isEqualTo(new MemoryMapping(0x7f12a0000000L, 0x7f12a0200000L, "rw-s", 0x400000, "/memfd:pool a (deleted)"));
        assertThat(memfd.isShared()).isTrue();
        assertThat(memfd.bytes()).isEqualTo(2 << 20);

        MemoryMapping reserved = ProcessMemory.parseMapsLine("7f12a0200000-7f12a0400000 ---p 00000000 00:00 0 ");
        assertThat(reserved.path()).isEmpty();
        assertThat(reserved.isInaccessible()).isTrue();
        assertThatThrownBy(() -> ProcessMemory.parseMapsLine("garbage")).hasMessageContaining("not a /proc/self/maps line");
    }

    @Test
    void seesAMemfdMappingComeAndGoWithItsDescriptor() {
        int fdsBefore = ProcessMemory.openFileDescriptors();
        int fd = Libc.memfdCreate("process-memory-test", Libc.MFD_CLOEXEC);
        Libc.ftruncate(fd, 3 * 4096);
        long address = Libc.mmap(0, 3 * 4096, Libc.PROT_READ, Libc.MAP_SHARED, fd, 0);
        assertThat(ProcessMemory.openFileDescriptors()).isEqualTo(fdsBefore + 1);
        assertThat(ProcessMemory.memfdMappings("process-memory-test"))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.start()).isEqualTo(address);
                    assertThat(m.bytes()).isEqualTo(3 * 4096);
                    assertThat(m.permissions()).isEqualTo("r--s");
                });
        Libc.munmap(address, 3 * 4096);
        Libc.close(fd);
        assertThat(ProcessMemory.memfdMappings("process-memory-test")).isEmpty();
        assertThat(ProcessMemory.openFileDescriptors()).isEqualTo(fdsBefore);
    }

    @Test
    void rollupReportsResidentMemoryInBytes() {
        assertThat(ProcessMemory.rollup()).containsKey("Rss").containsKey("Pss_Shmem");
        assertThat(ProcessMemory.rollup().get("Rss")).isPositive();
        assertThat(ProcessMemory.mappedBytes()).isPositive();
    }
}
