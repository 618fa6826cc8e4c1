package dev.moesaic.nativebind.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void tableNamesAgreeWithGlibcsOwnNames() {
        assumeTrue(Errno.libcName(Errno.EINVAL).isPresent(), "glibc without strerrorname_np (older than 2.32)");
        int compared = 0;
        for (int errno = 1; errno <= 133; errno++) {
            String ours = Errno.name(errno);
            if (ours.startsWith("errno ")) {
                continue; // outside our table: we print the number
            }
            assertThat(Errno.libcName(errno)).as("errno %d", errno).contains(ours);
            compared++;
        }
        assertThat(compared).isGreaterThanOrEqualTo(40);
    }

    @Test
    void unknownNumbersAreShownAsNumbers() {
        assertThat(Errno.name(4000)).isEqualTo("errno 4000");
        assertThat(Errno.describe(Errno.ENOMEM)).isEqualTo("Cannot allocate memory");
    }
}
