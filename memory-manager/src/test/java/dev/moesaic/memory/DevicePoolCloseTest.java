package dev.moesaic.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.nativebind.libc.ProcessMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Closing a pool releases everything even when one release step throws: no mapping and no memfd leak. */
class DevicePoolCloseTest {
    private static final long PAGE = 4096;

    @ParameterizedTest
    @ValueSource(strings = {"region", "allocation", "window", "munmap"})
    void aFailingStepDoesNotSkipTheOthers(String failingStep) {
        String name = "close-" + failingStep;
        DevicePool pool = DevicePool.open(name, 16 * PAGE, PAGE);
        VirtualRegion.reserve(pool, "r", 4 * PAGE);
        pool.allocate("experts", 3 * PAGE);
        int fd = pool.fd();
        assertThat(Files.exists(Path.of("/proc/self/fd/" + fd))).isTrue();
        assertThat(ProcessMemory.memfdMappings(DevicePool.MEMFD_NAME_PREFIX + name)).isNotEmpty();
        pool.closeStepProbe = step -> {
            if (step.equals(failingStep)) {
                throw new IllegalStateException("injected failure of step " + step);
            }
        };

        assertThatThrownBy(pool::close).isInstanceOf(IllegalStateException.class).hasMessageContaining(failingStep);

        assertThat(Files.exists(Path.of("/proc/self/fd/" + fd))).as("the memfd is closed").isFalse();
        if (!failingStep.equals("munmap")) {
            assertThat(ProcessMemory.memfdMappings(DevicePool.MEMFD_NAME_PREFIX + name)).as("no mapping of the pool left").isEmpty();
        }
        if (!failingStep.equals("allocation")) {
            assertThat(pool.usedBytes()).as("every allocation released").isZero();
        }
        pool.close(); // idempotent, also after a failed close
    }
}
