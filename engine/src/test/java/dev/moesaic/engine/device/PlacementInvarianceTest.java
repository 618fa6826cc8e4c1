package dev.moesaic.engine.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.ModelLoader;
import dev.moesaic.engine.testing.Fixtures;
import dev.moesaic.engine.testing.KernelChoice;
import dev.moesaic.engine.testing.ModelRunner;
import dev.moesaic.memory.MemoryMetrics;
import dev.moesaic.router.balance.AlfBalancer;
import dev.moesaic.router.dispatch.Dispatcher;
import dev.moesaic.router.placement.Placement;
import dev.moesaic.router.placement.Placements;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Expert parallelism must not change a single bit: for every MoE fixture, logits of every prompt
 * position and greedy ids are identical for 1, 2, 3 and 4 devices and for random placements with
 * replicas (ALF-LB then spreads tokens over the replicas), compared with the single-device path that
 * reads experts straight from the model file.
 */
class PlacementInvarianceTest {
    private static final int[] PROMPT = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315};

    static Stream<Arguments> models() {
        return Stream.of("stories260K-moe4-copies", "stories260K-moe4-split", "tiny-qwen3moe", "tiny-glm4moe", "tiny-qwen3moe-Q4_0",
                "tiny-qwen3moe-256-Q4_K_M").map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("models")
    void outputsDoNotDependOnDevicesOrPlacement(String name) {
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/" + name + ".gguf"))) {
            Transformer local = Transformer.local(model.config(), model.weights(), KernelChoice.VECTOR.kernels());
            float[][] expectedLogits = ModelRunner.promptLogits(model, local, PROMPT);
            int[] expectedIds = ModelRunner.greedy(model, local, PROMPT, 12, null);

            int experts = model.config().experts();
            List<String> cases = new ArrayList<>();
            for (int devices = 1; devices <= 4; devices++) {
                int perDevice = Placements.minSlotsPerDevice(experts, devices);
                run(model, Placements.roundRobin(layers(model), experts, devices, perDevice), expectedLogits, expectedIds,
                        name + " round-robin on " + devices + " devices");
                int replicas = Math.min(devices * (perDevice + 1) - experts, experts);
                run(model, Placements.random(layers(model), experts, devices, perDevice + 1, replicas, 17L * devices),
                        expectedLogits, expectedIds, name + " random placement with " + replicas + " replicas on " + devices + " devices");
                cases.add(String.valueOf(devices));
            }
            assertThat(cases).hasSize(4);
        }
    }

    private static int layers(LoadedModel model) {
        return (int) model.weights().layers().stream().filter(l -> l.isMoe()).count();
    }

    private static void run(LoadedModel model, Placement placement, float[][] expectedLogits, int[] expectedIds, String what) {
        try (DeviceFleet fleet = new DeviceFleet(model, DeviceOptions.defaults(8), null, new MemoryMetrics())) {
            List<Device> devices = new ArrayList<>();
            for (int d = 0; d < placement.deviceCount(); d++) {
                devices.add(fleet.addDevice(1));
            }
            fleet.loadFromModel(placement, devices);
            ExpertTopology topology = ExpertTopology.resolve(placement, devices, fleet.layouts());
            DeviceExpertExecutor executor = new DeviceExpertExecutor(model.config().hidden(), fleet.moeIndexOfLayer(),
                    new Dispatcher(new AlfBalancer()), null, topology);
            Transformer t = new Transformer(model.config(), model.weights(), KernelChoice.VECTOR.kernels(), executor);
            float[][] logits = ModelRunner.promptLogits(model, t, PROMPT);
            for (int pos = 0; pos < PROMPT.length; pos++) {
                assertThat(logits[pos]).as("%s: logits at position %d", what, pos).containsExactly(expectedLogits[pos]);
            }
            assertThat(ModelRunner.greedy(model, t, PROMPT, 12, null)).as("%s: greedy ids", what).containsExactly(expectedIds);
        }
    }
}
