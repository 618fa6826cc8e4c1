package dev.moesaic.engine.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.device.Device;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.Models;
import dev.moesaic.memory.ExpertSlots;
import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's stress run: 16 streaming clients while a seeded random sequence of scale-ups,
 * scale-downs, rebalances and device failures runs (at least 32 operations and 20 s, at most 60 s).
 * Invariants: no failed request, every greedy output equal to an unscaled engine's, every operation
 * final, pool accounting exact, and no expert booked twice or held outside the placement.
 */
class ElasticStressTest {
    private static final long SEED = Long.getLong("moesaic.stress.seed", 20261203L);
    private static final int OPERATIONS = 32;
    private static final Duration MIN_RUN = Duration.ofSeconds(20); // keep operating this long even past OPERATIONS
    private static final Duration BUDGET = Duration.ofSeconds(60);

    @Test
    void randomScalingRebalancingAndFailuresUnderSixteenStreams() throws Exception {
        Random random = new Random(SEED);
        try (LoadedModel model = Models.open("builtin:tiny-moe", null, null)) {
            List<int[]> prompts = ElasticServingTest.prompts(model);
            List<int[]> expected = ElasticServingTest.baseline(model, prompts);
            try (ElasticEngine e = ElasticServingTest.start(model, 2)) {
                ScaleController controller = e.controller();
                ElasticServingTest.Clients clients = new ElasticServingTest.Clients(e, prompts, expected);
                clients.start();
                clients.awaitCompleted(4);
                List<String> done = new ArrayList<>();
                long started = System.nanoTime();
                long deadline = started + BUDGET.toNanos();
                int before = clients.completed();
                for (int i = 0; (i < OPERATIONS || System.nanoTime() - started < MIN_RUN.toNanos()) && System.nanoTime() < deadline; i++) {
                    int devices = controller.deviceCount();
                    int choice = random.nextInt(10);
                    ScaleStatus s;
                    if (choice < 2 && devices > 1) {
                        int victim = controller.devices().get(random.nextInt(devices)).id();
                        assertThat(controller.failDevice(victim)).isTrue();
                        s = awaitRecovery(controller, done.size());
                        assertThat(controller.deviceCount()).isEqualTo(devices - 1);
                    } else if (choice < 4) {
                        s = ScaleControllerTest.awaitDone(controller, controller.requestRebalance().id());
                    } else {
                        int to;
                        do {
                            to = 1 + random.nextInt(4);
                        } while (to == devices);
                        s = ScaleControllerTest.awaitDone(controller, controller.requestScale(to).id());
                        assertThat(controller.deviceCount()).as("%s", s).isEqualTo(to);
                    }
                    assertThat(s.phase()).as("operation %d: %s", i, s).isEqualTo(ScalePhase.DONE);
                    done.add(s.kind());
                    assertSlotsMatchThePlacement(controller);
                }
                int during = clients.completed() - before;
                clients.stop();
                assertThat(done.size()).as("operations run (seed %d)", SEED).isGreaterThanOrEqualTo(OPERATIONS);
                assertThat(during).as("requests completed while operating").isGreaterThan(16);
                assertThat(done).contains("scale", "rebalance", "recover");
                assertThat(controller.history()).allMatch(s -> s.phase().isFinal(), "every operation final");
                assertThat(clients.failures()).as("failed or changed requests (seed %d)", SEED).isEmpty();
                assertThat(e.kvCache().usedBlocks()).as("every KV block returned").isZero();
                long pools = 0;
                for (Device d : controller.devices()) {
                    pools += d.pool().usedBytes();
                }
                assertThat(e.fleet().metrics().usedBytes()).as("accounting = the live pools' allocations").isEqualTo(pools);
                assertThat(e.fleet().devices()).as("retired devices are gone from the fleet")
                        .containsExactlyInAnyOrderElementsOf(controller.devices());
            }
        }
    }

    /** The recovery operation that the failure started, once final. */
    private static ScaleStatus awaitRecovery(ScaleController controller, int opsBefore) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            List<ScaleStatus> recoveries = controller.history().stream().filter(s -> s.kind().equals("recover")).toList();
            ScaleStatus last = recoveries.isEmpty() ? null : recoveries.getLast();
            if (last != null && last.phase().isFinal() && controller.devices().stream().noneMatch(Device::isFailed)) {
                return last;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the recovery did not finish in 60 s: " + controller.history());
    }

    /** Each device holds exactly the experts the placement gives it, each once. */
    private static void assertSlotsMatchThePlacement(ScaleController controller) {
        Placement placement = controller.placement();
        List<Device> devices = controller.devices();
        assertThat(placement.deviceCount()).isEqualTo(devices.size());
        for (int l = 0; l < placement.layerCount(); l++) {
            LayerPlacement layer = placement.layer(l);
            for (int d = 0; d < devices.size(); d++) {
                int[] planned = new int[layer.slotsPerDevice()];
                int n = 0;
                for (int s = 0; s < layer.slotsPerDevice(); s++) {
                    int expert = layer.expertAt(d, s);
                    if (expert != LayerPlacement.EMPTY) {
                        planned[n++] = expert;
                    }
                }
                int[] held = Arrays.stream(devices.get(d).slots(l).layout()).filter(x -> x != ExpertSlots.EMPTY).sorted().toArray();
                int[] want = Arrays.stream(planned, 0, n).sorted().toArray();
                assertThat(held).as("layer %d, device %s", l, devices.get(d).name()).containsExactly(want);
                assertThat(Arrays.stream(held).distinct().count()).as("no expert twice on a device").isEqualTo(held.length);
            }
        }
    }
}
