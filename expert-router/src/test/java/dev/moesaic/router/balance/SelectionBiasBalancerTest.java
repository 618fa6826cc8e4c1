package dev.moesaic.router.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.router.gate.GateConfig;
import dev.moesaic.router.gate.GatingFunction;
import dev.moesaic.router.gate.MoeGate;
import dev.moesaic.router.stats.MaxVio;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SelectionBiasBalancerTest {

    @Test
    void disabledByDefaultMeansNoBiasAndNoUpdates() {
        SelectionBiasBalancer b = new SelectionBiasBalancer(2, 4, SelectionBiasBalancer.Config.DISABLED);
        assertThat(b.bias(0)).isNull();
        b.update(0, new int[] {10, 0, 0, 0});
        assertThat(b.biasCopy(0)).containsExactly(0f, 0f, 0f, 0f);
    }

    @Test
    void overloadedExpertsGetALowerBiasUpToTheCap() {
        SelectionBiasBalancer b = new SelectionBiasBalancer(2, 4, SelectionBiasBalancer.Config.enabled(0.01f, 0.025f));
        float[] before = b.bias(0);
        b.update(0, new int[] {10, 2, 2, 2}); // mean 4
        assertThat(b.bias(0)).containsExactly(-0.01f, 0.01f, 0.01f, 0.01f);
        assertThat(before).containsExactly(0f, 0f, 0f, 0f); // published arrays never change
        b.update(0, new int[] {4, 4, 4, 4});
        assertThat(b.bias(0)).containsExactly(-0.01f, 0.01f, 0.01f, 0.01f);
        for (int i = 0; i < 10; i++) {
            b.update(0, new int[] {10, 2, 2, 2});
        }
        assertThat(b.bias(0)).containsExactly(-0.025f, 0.025f, 0.025f, 0.025f);
        assertThat(b.bias(1)).containsExactly(0f, 0f, 0f, 0f);
        assertThatThrownBy(() -> b.update(0, new int[3])).hasMessageContaining("has 3 entries");
    }

    @Test
    void biasesEvenOutTheModelsOwnRoutingOverIterations() {
        int experts = 16;
        int k = 2;
        MoeGate gate = new MoeGate(GateConfig.ungrouped(experts, k, GatingFunction.SIGMOID, true, 0f));
        SelectionBiasBalancer balancer = new SelectionBiasBalancer(1, experts,
                SelectionBiasBalancer.Config.enabled(0.001f, 0.2f));
        SplittableRandom rnd = new SplittableRandom(8);
        int tokens = 256;
        float[] logits = new float[tokens * experts];
        int[] routed = new int[tokens * k];
        float[] weights = new float[tokens * k];
        double firstVio = 0;
        double lastVio = 0;
        for (int it = 0; it < 300; it++) {
            for (int t = 0; t < tokens; t++) {
                for (int e = 0; e < experts; e++) {
                    // expert e's affinity grows with e: a skew the biases must push against
                    logits[t * experts + e] = (float) (rnd.nextGaussian() * 0.3 + e * 0.02);
                }
            }
            gate.routeAll(logits, tokens, balancer.bias(0), routed, weights);
            int[] counts = new int[experts];
            for (int e : routed) {
                counts[e]++;
            }
            if (it < 10) {
                firstVio += MaxVio.of(counts) / 10;
            }
            if (it >= 290) {
                lastVio += MaxVio.of(counts) / 10;
            }
            balancer.update(0, counts);
        }
        assertThat(lastVio).isLessThan(firstVio * 0.6);
    }
}
