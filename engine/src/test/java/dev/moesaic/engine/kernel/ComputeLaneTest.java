package dev.moesaic.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ComputeLaneTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5})
    void everyIndexRunsExactlyOnceForManyJobs(int threads) {
        try (ComputeLane lane = ComputeLane.create("t", threads)) {
            for (int job = 0; job < 2000; job++) {
                int count = 1 + job % 97;
                int chunk = 1 + job % 7;
                AtomicIntegerArray hits = new AtomicIntegerArray(count);
                lane.forEachRange(count, chunk, (w, s, e) -> {
                    assertThat(w).isBetween(0, threads - 1);
                    assertThat(e - s).isBetween(1, chunk);
                    for (int i = s; i < e; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < count; i++) {
                    assertThat(hits.get(i)).as("job %d index %d", job, i).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void workersThatParkedWakeUpForTheNextJob() {
        try (ComputeLane lane = ComputeLane.create("parking", 3, 0)) {
            for (int job = 0; job < 300; job++) {
                AtomicIntegerArray hits = new AtomicIntegerArray(64);
                lane.forEachRange(64, 1, (w, s, e) -> hits.incrementAndGet(s));
                for (int i = 0; i < 64; i++) {
                    assertThat(hits.get(i)).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void aFailureInAWorkerIsRethrownToTheDriverAndTheLaneStaysUsable() {
        try (ComputeLane lane = ComputeLane.create("fail", 2)) {
            assertThatThrownBy(() -> lane.forEachRange(100, 1, (w, s, e) -> {
                if (s == 77) {
                    throw new IllegalStateException("boom at 77");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom at 77");
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            lane.forEachRange(10, 1, (w, s, e) -> hits.incrementAndGet(s));
            assertThat(hits.get(9)).isEqualTo(1);
        }
    }

    @Test
    void aSecondDriverThreadIsRejectedWhileAJobRuns() throws Exception {
        try (ComputeLane lane = ComputeLane.create("busy", 2)) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread driver = new Thread(() -> lane.forEachRange(1, 1, (w, s, e) -> {
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }));
            driver.start();
            inside.await();
            assertThatThrownBy(() -> lane.forEachRange(4, 1, (w, s, e) -> { }))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("one driver thread");
            release.countDown();
            driver.join();
        }
    }

    @Test
    void closeStopsTheWorkersAndLaterJobsAreRejected() {
        ComputeLane lane = ComputeLane.create("closing", 3);
        AtomicReference<Thread> worker = new AtomicReference<>();
        lane.forEachRange(300, 1, (w, s, e) -> {
            if (w == 1) {
                worker.set(Thread.currentThread());
            }
            spin();
        });
        assertTimeoutPreemptively(Duration.ofSeconds(10), lane::close);
        if (worker.get() != null) {
            assertThat(worker.get().isAlive()).isFalse();
        }
        assertThatThrownBy(() -> lane.forEachRange(2, 1, (w, s, e) -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    private static void spin() {
        long until = System.nanoTime() + 2_000;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    @Test
    void rejectsBadArguments() {
        try (ComputeLane lane = ComputeLane.create("args", 1)) {
            assertThatThrownBy(() -> lane.forEachRange(-1, 1, (w, s, e) -> { })).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> lane.forEachRange(5, 0, (w, s, e) -> { })).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> ComputeLane.create("zero", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }
}
