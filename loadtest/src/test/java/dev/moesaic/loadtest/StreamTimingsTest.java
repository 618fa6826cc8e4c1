package dev.moesaic.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamTimingsTest {
    @Test
    void recognisesContentChunks() {
        assertThat(StreamTimings.carriesContent("{\"data\":{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}}")).isTrue();
        assertThat(StreamTimings.carriesContent("{\"data\":{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}}")).isFalse();
        assertThat(StreamTimings.carriesContent("{\"data\":{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}}")).isFalse();
        assertThat(StreamTimings.carriesContent("{\"data\":\"[DONE]\"}")).isFalse();
    }

    @Test
    void ttftAndGapsPerPhase() {
        var t = new StreamTimings();
        t.record("spike", 1000, 1100, List.of(1130L, 1120L, 1160L)); // out of order on purpose
        t.record("spike", 2000, 2300, List.of());
        t.record("quiet", 0, 40, List.of(50L));
        var byPhase = t.summaries();
        assertThat(byPhase).extracting(StreamTimings.Summary::phase).containsExactly("quiet", "spike");
        var spike = byPhase.get(1);
        assertThat(spike.streams()).isEqualTo(2);
        assertThat(spike.ttftMs().count()).isEqualTo(2);
        assertThat(spike.ttftMs().max()).isEqualTo(300);
        assertThat(spike.ttftMs().p50()).isEqualTo(100);
        assertThat(spike.interTokenMs().count()).isEqualTo(3); // 20, 10, 30
        assertThat(spike.interTokenMs().max()).isEqualTo(30);
        assertThat(spike.interTokenMs().p50()).isEqualTo(20);
        assertThat(spike.meanChunks()).isEqualTo(2.5);
        assertThat(t.table()).contains("spike").contains("quiet");
        assertThat(t.json()).contains("\"phase\":\"spike\",\"streams\":2");
    }

    @Test
    void firstTokenBeforeTheRequestIsRefused() {
        assertThatThrownBy(() -> new StreamTimings().record("x", 100, 99, List.of())).hasMessageContaining("precedes");
    }

    @Test
    void percentilesMatchTheDefinition() {
        // Slow twin: the smallest value with at least p % of the values at or below it.
        var random = new Random(3);
        for (int round = 0; round < 200; round++) {
            long[] values = random.longs(1 + random.nextInt(300), 0, 1000).toArray();
            var fast = StreamTimings.Percentiles.of(values);
            assertThat(fast.p50()).isEqualTo(byDefinition(values, 50));
            assertThat(fast.p95()).isEqualTo(byDefinition(values, 95));
            assertThat(fast.p99()).isEqualTo(byDefinition(values, 99));
            assertThat(fast.max()).isEqualTo(Arrays.stream(values).max().orElseThrow());
            assertThat(fast.count()).isEqualTo(values.length);
        }
        assertThat(StreamTimings.Percentiles.of(new long[0]).count()).isZero();
    }

    private static long byDefinition(long[] values, double p) {
        return Arrays.stream(values).sorted()
                .filter(v -> Arrays.stream(values).filter(x -> x <= v).count() * 100.0 >= p * values.length)
                .findFirst().orElseThrow();
    }
}
