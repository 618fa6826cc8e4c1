package dev.moesaic.router.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BalanceBenchTest {
    // a shortened run of the default workload: 4 layers, 500 iterations
    private static final BalanceBench.Config SMALL = new BalanceBench.Config(32, 4, 4, 256, 4, 10, 1.2, 50, 500, 250,
            100, 0.02, 7);

    @Test
    void balancingBeatsStaticPlacementOnTheSkewedWorkload() {
        BalanceBench.Result r = BalanceBench.run(SMALL);
        double a = r.staticRoundRobin().maxVioDevices().mean();
        double b = r.eplb().maxVioDevices().mean();
        double c = r.eplbAlf().maxVioDevices().mean();
        assertThat(a).isGreaterThan(0.5);
        assertThat(b).isLessThan(a);
        assertThat(c).isLessThan(b).isLessThan(0.05);
        assertThat(r.targetMet()).isTrue();
        assertThat(r.eplb().replans()).isEqualTo(4);
        assertThat(r.eplb().expertMoves()).isPositive().isLessThan(r.fromScratchMoves());
    }

    @Test
    void sameSeedSameNumbers() {
        BalanceBench.Config tiny = new BalanceBench.Config(16, 2, 2, 64, 4, 5, 1.0, 20, 120, 40, 50, 0.05, 3);
        BalanceBench.Result first = BalanceBench.run(tiny);
        BalanceBench.Result second = BalanceBench.run(tiny);
        assertThat(second.eplbAlf().maxVioDevices()).isEqualTo(first.eplbAlf().maxVioDevices());
        assertThat(second.eplb().expertMoves()).isEqualTo(first.eplb().expertMoves());
    }

    @Test
    void jsonOutputNamesEveryScenarioAndBadArgumentsExitWithUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BalanceBench.run(new String[] {"--json", "--iterations", "60"}, new PrintStream(out), new PrintStream(err));
        String json = out.toString(StandardCharsets.UTF_8).trim();
        assertThat(code).isZero();
        assertThat(json).startsWith("{\"benchmark\":\"balance\"").endsWith("}")
                .contains("\"static-round-robin\"", "\"eplb\"", "\"eplb+alf-lb\"", "\"maxVioDevices\"", "\"expertMoves\"",
                        "\"iterations\":60");
        assertThat(BalanceBench.run(new String[] {"--frobnicate"}, new PrintStream(out), new PrintStream(err))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown argument '--frobnicate'", "usage:");
    }
}
