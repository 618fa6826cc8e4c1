package dev.moesaic.engine.forward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.ModelLoader;
import dev.moesaic.engine.testing.Fixtures;
import dev.moesaic.engine.testing.Golden;
import dev.moesaic.engine.testing.ModelRunner;
import org.junit.jupiter.params.ParameterizedTest;
import dev.moesaic.engine.testing.KernelChoice;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every F32 GGUF fixture against llama.cpp's own outputs (../shared/models/gguf/*.golden.json). */
class GoldenF32Test {
    private static final float LOGIT_TOLERANCE = 1e-4f;

    static Stream<Arguments> cases() {
        return Stream.of("stories260K", "stories260K-moe4-copies", "stories260K-moe4-split", "tiny-qwen3moe", "tiny-glm4moe").flatMap(n -> Stream.of(KernelChoice.values()).map(k -> Arguments.of(n, k)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesLlamaCppLogitsTopKAndGreedyIds(String name, KernelChoice kernelChoice) {
        Golden golden = Golden.read(Fixtures.model("gguf/" + name + ".golden.json"));
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/" + name + ".gguf"))) {
            Transformer t = Transformer.local(model.config(), model.weights(), kernelChoice.kernels());
            for (Golden.Prompt p : golden.prompts()) {
                float[][] logits = ModelRunner.promptLogits(model, t, p.promptIds());
                float[] last = logits[logits.length - 1];
                float maxDiff = 0;
                for (int i = 0; i < last.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(last[i] - p.lastLogits()[i]));
                }
                assertThat(maxDiff).as("%s prompt %d: max |logit - golden|", name, p.promptIds().length).isLessThan(LOGIT_TOLERANCE);
                for (int pos = 0; pos < logits.length; pos++) {
                    assertSameTopIds(logits[pos], p.top10Ids()[pos], p.top10Logits()[pos],
                            name + " prompt " + p.promptIds().length + " position " + pos);
                }
                int[] greedy = ModelRunner.greedy(model, t, p.promptIds(), p.greedyIds().length, null);
                assertThat(greedy).as("%s greedy ids after a %d-token prompt", name, p.promptIds().length).containsExactly(p.greedyIds());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void upcycledMoeWithIdenticalExpertsGivesTheDenseModelsText() {
        Golden dense = Golden.read(Fixtures.model("gguf/stories260K.golden.json"));
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/stories260K-moe4-copies.gguf"))) {
            assertThat(model.config().experts()).isEqualTo(4);
            Transformer t = Transformer.local(model.config(), model.weights(), Kernels.reference());
            for (Golden.Prompt p : dense.prompts()) {
                assertThat(ModelRunner.greedy(model, t, p.promptIds(), p.greedyIds().length, null))
                        .as("moe4-copies vs dense stories260K after %d prompt tokens", p.promptIds().length).containsExactly(p.greedyIds());
            }
        }
    }

    /**
     * Same top-10 ids in the same order. Where two ranks differ, both ids must be within the logit
     * tolerance of each other in our logits (a near-tie that float rounding may order either way).
     */
    static void assertSameTopIds(float[] ourLogits, int[] golden, float[] goldenLogits, String where) {
        int[] ours = ModelRunner.topN(ourLogits, golden.length);
        for (int i = 0; i < golden.length; i++) {
            if (ours[i] == golden[i]) {
                continue;
            }
            float gap = Math.abs(ourLogits[ours[i]] - ourLogits[golden[i]]);
            assertThat(gap).as("%s: rank %d is id %d (ours) vs %d (golden); top-10 %s vs golden %s", where, i, ours[i], golden[i],
                    java.util.Arrays.toString(ours), java.util.Arrays.toString(golden)).isLessThan(LOGIT_TOLERANCE);
        }
    }
}
