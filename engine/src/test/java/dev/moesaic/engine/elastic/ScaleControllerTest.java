package dev.moesaic.engine.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.device.Device;
import dev.moesaic.engine.device.DeviceFleet;
import dev.moesaic.engine.device.DeviceOptions;
import dev.moesaic.engine.device.ExpertLayout;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.ModelLoader;
import dev.moesaic.engine.testing.Fixtures;
import dev.moesaic.engine.testing.KernelChoice;
import dev.moesaic.engine.testing.ModelRunner;
import dev.moesaic.memory.MemoryMetrics;
import dev.moesaic.router.stats.LoadStatistics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The controller under a running generation loop: scaling 1 -> 2 -> 4 -> 3 -> 1 and failing a device
 * never change a generated token, peak expert memory stays at steady state plus one layer's moving
 * experts, and expert bytes move between pools, never from the model file (except for failures).
 */
class ScaleControllerTest {
    private static final int[][] PROMPTS = {
            {1, 403, 407, 261, 378}, {1, 346, 306, 414, 263}, {1, 410, 457, 412}, {1, 403, 407, 261, 378, 432, 383}};
    private static final int STEPS = 600;

    @Test
    void scalingUnderLoadKeepsEveryTokenAndBoundsPeakMemory() throws Exception {
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"));
             DeviceFleet fleet = new DeviceFleet(model, DeviceOptions.defaults(4), null, new MemoryMetrics())) {
            int[][] expected = baseline(model);
            LoadStatistics stats = new LoadStatistics(fleet.moeLayers(), model.config().experts());
            try (ScaleController controller = new ScaleController(fleet, stats, ScaleController.Options.defaults())) {
                Transformer t = new Transformer(model.config(), model.weights(), KernelChoice.VECTOR.kernels(), controller.start(1));
                GenerationLoop loop = new GenerationLoop(model, t, controller, PROMPTS, STEPS);
                controller.attach(loop);
                loop.start();
                long layerBytes = maxLayerBytes(fleet, model.config().experts());
                for (int devices : new int[] {2, 4, 3, 1, 3}) {
                    ScaleStatus s = awaitDone(controller, controller.requestScale(devices).id());
                    assertThat(s.phase()).as("%s", s).isEqualTo(ScalePhase.DONE);
                    assertThat(controller.deviceCount()).isEqualTo(devices);
                    assertThat(s.bytesMoved()).as("expert bytes copied peer to peer").isPositive();
                    // at most two layers are copied but not yet switched (ScaleController.Options.DEFAULT_LAYERS_IN_FLIGHT)
                    assertThat(s.peakExpertBytes()).as("peak expert memory of %s", s).isLessThanOrEqualTo(s.steadyExpertBytes() + 2 * layerBytes);
                }
                assertThat(fleet.devices()).hasSize(3);
                int[][] got = loop.await();
                for (int s = 0; s < PROMPTS.length; s++) {
                    assertThat(got[s]).as("sequence %d", s).containsExactly(expected[s]);
                }
            }
        }
    }

    @Test
    void whoeverSeesAnOperationEndMayScaleAgainAtOnce() throws Exception {
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"));
             DeviceFleet fleet = new DeviceFleet(model, DeviceOptions.defaults(4), null, new MemoryMetrics());
             ScaleController controller = new ScaleController(fleet, null, ScaleController.Options.defaults())) {
            controller.start(1);
            List<String> stillBusy = new java.util.concurrent.CopyOnWriteArrayList<>();
            controller.setListener(s -> {
                // the final status is published on the worker thread; a client polling for it may be this fast
                if (s.phase().isFinal() && controller.runningStatus() != null) {
                    stillBusy.add(s.id() + " " + s.phase() + " while " + controller.runningStatus().id() + " is running");
                }
            });
            for (int devices : new int[] {2, 1, 3}) {
                ScaleStatus s = awaitDone(controller, controller.requestScale(devices).id());
                assertThat(s.phase()).as("%s", s).isEqualTo(ScalePhase.DONE);
                assertThat(s.totalMillis()).as("the final status is complete when it is visible").isNotNegative();
            }
            assertThat(stillBusy).isEmpty();
        }
    }

    @Test
    void aFailedDeviceIsReHomedAndNoTokenChanges() throws Exception {
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"));
             DeviceFleet fleet = new DeviceFleet(model, DeviceOptions.defaults(4), null, new MemoryMetrics())) {
            int[][] expected = baseline(model);
            try (ScaleController controller = new ScaleController(fleet, null, ScaleController.Options.defaults())) {
                Transformer t = new Transformer(model.config(), model.weights(), KernelChoice.VECTOR.kernels(), controller.start(3));
                GenerationLoop loop = new GenerationLoop(model, t, controller, PROMPTS, STEPS);
                controller.attach(loop);
                loop.start();
                while (loop.iterations() < 50) {
                    Thread.sleep(1);
                }
                int victim = controller.devices().get(1).id();
                assertThat(controller.failDevice(victim)).isTrue();
                int[][] got = loop.await();
                assertThat(controller.deviceCount()).isEqualTo(2);
                assertThat(controller.devices()).noneMatch(d -> d.id() == victim);
                List<ScaleStatus> history = controller.history();
                assertThat(history).anyMatch(s -> s.kind().equals("recover") && s.phase() == ScalePhase.DONE);
                for (int s = 0; s < PROMPTS.length; s++) {
                    assertThat(got[s]).as("sequence %d", s).containsExactly(expected[s]);
                }
            }
        }
    }

    @Test
    void aFailedPrepareRollsBackAndTheOldDevicesServe() throws Exception {
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"));
             DeviceFleet fleet = new DeviceFleet(model, DeviceOptions.defaults(4), null, new MemoryMetrics())) {
            int[][] expected = baseline(model);
            try (ScaleController controller = new ScaleController(fleet, null, ScaleController.Options.defaults())) {
                Transformer t = new Transformer(model.config(), model.weights(), KernelChoice.VECTOR.kernels(), controller.start(1));
                GenerationLoop loop = new GenerationLoop(model, t, controller, PROMPTS, STEPS);
                controller.attach(loop);
                assertThat(fleet.moeLayers()).as("enough layers to fail half-way").isGreaterThanOrEqualTo(3);
                long usedBefore = fleet.metrics().usedBytes();
                Device only = controller.devices().getFirst();
                int[] occupiedBefore = occupied(only, fleet.moeLayers());
                // the copy of the first expert of layer 2 fails: layers 0 and 1 have moved (and may have switched) by then
                AtomicInteger copies = new AtomicInteger();
                controller.setCopyHook((kind, layer, expert) -> {
                    if (layer == 2) {
                        throw new IllegalStateException("injected copy failure at layer 2, expert " + expert);
                    }
                    copies.incrementAndGet();
                });
                loop.start();

                ScaleStatus s = awaitDone(controller, controller.requestScale(2).id());

                assertThat(s.phase()).as("%s", s).isEqualTo(ScalePhase.ROLLED_BACK);
                assertThat(s.error()).contains("injected copy failure");
                assertThat(copies.get()).as("experts moved before the failure").isPositive();
                assertThat(s.bytesMoved()).isPositive();
                assertThat(controller.devices()).containsExactly(only);
                assertThat(fleet.devices()).as("the added device is retired").containsExactly(only);
                assertThat(fleet.metrics().usedBytes()).as("pool accounting back to its value before the operation")
                        .isEqualTo(usedBefore);
                assertThat(occupied(only, fleet.moeLayers())).as("no expert slot left reserved").containsExactly(occupiedBefore);
                int[][] got = loop.await();
                for (int q = 0; q < PROMPTS.length; q++) {
                    assertThat(got[q]).as("greedy output %d of the old placement", q).containsExactly(expected[q]);
                }
                controller.setCopyHook(null);
                assertThat(awaitDone(controller, controller.requestScale(2).id()).phase()).as("scaling works again")
                        .isEqualTo(ScalePhase.DONE);
            }
        }
    }

    private static int[] occupied(Device d, int layers) {
        int[] out = new int[layers];
        for (int l = 0; l < layers; l++) {
            out[l] = d.slots(l).occupiedSlots();
        }
        return out;
    }

    private static int[][] baseline(LoadedModel model) {
        Transformer local = Transformer.local(model.config(), model.weights(), KernelChoice.VECTOR.kernels());
        int[][] out = new int[PROMPTS.length][];
        for (int s = 0; s < PROMPTS.length; s++) {
            out[s] = ModelRunner.greedy(model, local, PROMPTS[s], STEPS, null);
        }
        return out;
    }

    /** The largest one MoE layer's experts take in pool pages. */
    static long maxLayerBytes(DeviceFleet fleet, int experts) {
        long max = 0;
        for (ExpertLayout l : fleet.layouts()) {
            long page = DeviceOptions.DEFAULT_PAGE_BYTES;
            max = Math.max(max, (l.expertBytes() + page - 1) / page * page * experts);
        }
        return max;
    }

    static ScaleStatus awaitDone(ScaleController c, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            ScaleStatus s = c.status(id);
            if (s != null && s.phase().isFinal()) {
                return s;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("operation " + id + " did not finish: " + c.status(id));
    }
}
