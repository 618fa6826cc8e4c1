package dev.moesaic.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.ModelLoader;
import dev.moesaic.engine.testing.Fixtures;
import dev.moesaic.engine.testing.KernelChoice;
import dev.moesaic.engine.testing.ModelRunner;
import dev.moesaic.router.balance.SelectionBiasBalancer;
import org.junit.jupiter.api.Test;

class SelectionBiasEvaluationTest {
    private static final int[] PROMPT = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315};

    @Test
    void withoutBiasesRoutingIsExactAndNothingChanges() {
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"))) {
            SelectionBiasEvaluation r = SelectionBiasEvaluation.run(model, KernelChoice.VECTOR.kernels(), tokens(model, 48), 8,
                    SelectionBiasBalancer.Config.DISABLED);
            assertThat(r.top1Agreement()).isEqualTo(1.0);
            assertThat(r.meanKl()).isZero();
            assertThat(r.expertMaxVioBiased()).isEqualTo(r.expertMaxVioExact());
        }
    }

    @Test
    void strongBiasesBalanceExpertsAtAMeasurableCostInOutputs() {
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"))) {
            SelectionBiasEvaluation r = SelectionBiasEvaluation.run(model, KernelChoice.VECTOR.kernels(), tokens(model, 128), 8,
                    SelectionBiasBalancer.Config.enabled(0.02f, 0.3f));
            assertThat(r.expertMaxVioBiased()).as("%s", r).isLessThan(r.expertMaxVioExact());
            assertThat(r.top1Agreement()).as("%s", r).isLessThan(1.0);
            assertThat(r.meanKl()).as("%s", r).isPositive();
        }
    }

    private static int[] tokens(LoadedModel model, int total) {
        var t = dev.moesaic.engine.forward.Transformer.local(model.config(), model.weights(), KernelChoice.VECTOR.kernels());
        int[] gen = ModelRunner.greedy(model, t, PROMPT, total - PROMPT.length, null);
        int[] all = java.util.Arrays.copyOf(PROMPT, total);
        System.arraycopy(gen, 0, all, PROMPT.length, gen.length);
        return all;
    }
}
