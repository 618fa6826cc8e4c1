package dev.moesaic.router.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LoadStatisticsTest {

    @Test
    void maxVioIsMaxOverMeanMinusOne() {
        assertThat(MaxVio.of(new int[] {1, 1, 1, 5})).isEqualTo(1.5);
        assertThat(MaxVio.of(new int[] {3, 3})).isZero();
        assertThat(MaxVio.of(new int[] {0, 0})).isZero();
        assertThat(MaxVio.of(new double[] {2, 4, 6})).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void countsPerIterationAndAMovingAverageSeededByTheFirstIteration() {
        LoadStatistics stats = new LoadStatistics(2, 3, 0.5);
        stats.recordRouting(0, new int[] {0, 0, 1, 2, 0, 1}, 6);
        stats.recordDeviceLoads(0, new int[] {4, 2, 99}, 2);
        LoadSnapshot first = stats.endIteration();
        assertThat(first.iterations()).isEqualTo(1);
        assertThat(first.expertCounts()[0]).containsExactly(3, 2, 1);
        assertThat(first.expertLoadAverage()[0]).containsExactly(3, 2, 1);
        assertThat(first.maxVioExperts()[0]).isCloseTo(0.5, within(1e-12));
        assertThat(first.deviceLoads()[0]).containsExactly(4, 2);
        assertThat(first.maxVioDevices()[0]).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(first.maxVioDevices()[1]).isZero();

        stats.recordRouting(0, new int[] {2, 2, 2}, 3);
        LoadSnapshot second = stats.endIteration();
        assertThat(second.expertCounts()[0]).containsExactly(0, 0, 3);
        assertThat(second.expertLoadAverage()[0]).containsExactly(1.5, 1.0, 2.0);
        assertThat(stats.expertLoadAverage()[0]).containsExactly(1.5, 1.0, 2.0);
        // the first snapshot is a value: later iterations do not change it
        assertThat(first.expertCounts()[0]).containsExactly(3, 2, 1);
        assertThat(stats.snapshot()).isSameAs(second);
    }

    @Test
    void readersOnOtherThreadsOnlySeeWholeIterations() throws Exception {
        LoadStatistics stats = new LoadStatistics(4, 8);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> problem = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                LoadSnapshot s = stats.snapshot();
                for (int[] layer : s.expertCounts()) {
                    int sum = 0;
                    for (int c : layer) {
                        sum += c;
                    }
                    if (sum != 64) {
                        problem.set("a snapshot layer summed to " + sum);
                    }
                }
            }
        });
        reader.start();
        int[] routed = new int[64];
        for (int it = 0; it < 2000; it++) {
            for (int l = 0; l < 4; l++) {
                for (int i = 0; i < 64; i++) {
                    routed[i] = (i * 3 + it + l) % 8;
                }
                stats.recordRouting(l, routed, 64);
            }
            stats.endIteration();
        }
        done.set(true);
        reader.join();
        assertThat(problem.get()).isNull();
        assertThat(stats.snapshot().iterations()).isEqualTo(2000);
    }
}
