package dev.moesaic.memory.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A smoke run of the benchmark on a few MiB: it re-lays by both methods, verifies them, and reports zero copies for remapping. */
class MemoryBenchTest {
    @Test
    void smallRunPrintsBothMethodsAndTheirRatio() {
        String json = MemoryBench.run(MemoryBench.parse(
                new String[] {"--json", "--bytes", "8M", "--expert-bytes", "1M", "--page-size", "64K", "--repeats", "1"}));
        assertThat(json).startsWith("{\"benchmark\":\"memory-relayout\",\"bytes\":8388608,\"pageBytes\":65536,")
                .contains("\"experts\":8")
                .contains("\"bytesCopied\":0,\"remaps\":8}")
                .contains("\"copy\":{")
                .contains("\"bytesCopied\":8388608")
                .contains("\"copyOverRemapRatio\":");
    }

    @Test
    void badOptionsSayWhatIsWrong() {
        assertThatThrownBy(() -> MemoryBench.parse(new String[] {"--bytes", "lots"}))
                .hasMessage("--bytes expects a size like 1073741824, 64M or 1G, got 'lots'");
        assertThatThrownBy(() -> MemoryBench.parse(new String[] {"--bytes", "1M", "--expert-bytes", "1M"}))
                .hasMessageContaining("must hold at least two experts");
        assertThatThrownBy(() -> MemoryBench.parse(new String[] {"--fast"})).hasMessage("unknown option '--fast'");
        assertThatThrownBy(() -> MemoryBench.parse(new String[] {"--bytes"})).hasMessage("--bytes needs a value");
    }
}
