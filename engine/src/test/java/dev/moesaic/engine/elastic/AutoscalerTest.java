package dev.moesaic.engine.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.device.DeviceFleet;
import dev.moesaic.engine.device.DeviceOptions;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.ModelLoader;
import dev.moesaic.engine.testing.Fixtures;
import dev.moesaic.memory.MemoryMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AutoscalerTest {
    @Test
    void scalesUpOnQueueingWithHysteresisAndDownWhenIdleAfterCooldown() throws Exception {
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"));
             DeviceFleet fleet = new DeviceFleet(model, DeviceOptions.defaults(2), null, new MemoryMetrics());
             ScaleController controller = new ScaleController(fleet, null, ScaleController.Options.defaults())) {
            controller.start(1);
            AtomicReference<AutoscalerSignals> now = new AtomicReference<>(new AutoscalerSignals(0, 0, 0, 0.9));
            List<Autoscaler.Decision> decisions = new ArrayList<>();
            Autoscaler.Policy policy = new Autoscaler.Policy(1, 3, 50, 2, 3, 1000, 0.3, 100);
            try (Autoscaler a = new Autoscaler(controller, now::get, policy, decisions::add)) {
                long t = 0;
                assertThat(a.tick(t += 100)).isNull(); // busy but nothing waiting, latency fine: hold
                now.set(new AutoscalerSignals(4, 8, 40, 1.0));
                assertThat(a.tick(t += 100)).as("one sample is not enough").isNull();
                Autoscaler.Decision up = a.tick(t += 100);
                assertThat(up.action()).isEqualTo("up");
                assertThat(up.reason()).contains("waiting");
                awaitIdle(controller);
                assertThat(controller.deviceCount()).isEqualTo(2);
                assertThat(a.tick(t += 100)).as("cooldown").isNull();

                t += 1000;
                now.set(new AutoscalerSignals(0, 8, 80, 1.0)); // latency above target
                a.tick(t += 100);
                Autoscaler.Decision up2 = a.tick(t += 100);
                assertThat(up2.reason()).contains("inter-token latency");
                awaitIdle(controller);
                assertThat(controller.deviceCount()).isEqualTo(3);

                t += 1000;
                now.set(new AutoscalerSignals(9, 8, 80, 1.0));
                a.tick(t += 100);
                assertThat(a.tick(t += 100)).as("already at max").isNull();

                now.set(new AutoscalerSignals(0, 0, 0, 0.05));
                a.tick(t += 100);
                a.tick(t += 100);
                Autoscaler.Decision down = a.tick(t += 100);
                assertThat(down.action()).isEqualTo("down");
                awaitIdle(controller);
                assertThat(controller.deviceCount()).isEqualTo(2);
                assertThat(decisions).extracting(Autoscaler.Decision::action).containsExactly("up", "up", "down");
            }
        }
    }

    private static void awaitIdle(ScaleController c) throws InterruptedException {
        for (int i = 0; i < 6000 && c.runningStatus() != null; i++) {
            Thread.sleep(5);
        }
        assertThat(c.runningStatus()).isNull();
        assertThat(c.history().getLast().phase()).isEqualTo(ScalePhase.DONE);
    }
}
