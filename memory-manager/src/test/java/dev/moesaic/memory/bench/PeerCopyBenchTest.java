package dev.moesaic.memory.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A smoke run on a few MiB: both methods move and verify the experts and the ratio is printed. */
class PeerCopyBenchTest {
    @Test
    void smallRunPrintsBothMethodsAndTheirRatio() {
        String json = PeerCopyBench.run(PeerCopyBench.parse(
                new String[] {"--json", "--bytes", "6M", "--expert-bytes", "1M", "--repeats", "1"}));
        assertThat(json).startsWith("{\"benchmark\":\"peer-copy\",\"bytes\":6291456,\"expertBytes\":1048576,\"pageBytes\":65536,")
                .contains("\"experts\":6")
                .contains("\"kernel\":{\"copySeconds\":")
                .contains("\"mapped\":{\"copySeconds\":")
                .contains("\"mappedOverKernelRatio\":");
    }

    @Test
    void badOptionsSayWhatIsWrong() {
        assertThatThrownBy(() -> PeerCopyBench.parse(new String[] {"--bytes", "1K", "--expert-bytes", "1M"}))
                .hasMessageContaining("must hold at least one expert");
        assertThatThrownBy(() -> PeerCopyBench.parse(new String[] {"--repeats", "0"})).hasMessageContaining("--repeats must be positive");
        assertThatThrownBy(() -> PeerCopyBench.parse(new String[] {"--fast"})).hasMessage("unknown option '--fast'");
    }
}
