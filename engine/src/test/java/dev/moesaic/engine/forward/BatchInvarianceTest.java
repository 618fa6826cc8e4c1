package dev.moesaic.engine.forward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.ModelLoader;
import dev.moesaic.engine.testing.Fixtures;
import dev.moesaic.engine.testing.ModelRunner;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import dev.moesaic.engine.testing.KernelChoice;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Continuous batching must not change any sequence's numbers: a sequence's logits are bitwise the
 * same whether it runs alone or in a batch with other sequences' prefill and decode tokens.
 */
class BatchInvarianceTest {
    static Stream<Arguments> cases() {
        return Stream.of("tiny-qwen3moe", "tiny-glm4moe", "stories260K-moe4-split", "tiny-qwen3moe-Q4_0", "tiny-qwen3moe-256-Q4_K_M")
                .flatMap(n -> Stream.of(KernelChoice.values()).map(k -> Arguments.of(n, k)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void mixedBatchGivesBitwiseTheSameLogitsAsRunningAlone(String name, KernelChoice kernelChoice) {
        try (LoadedModel model = ModelLoader.open(Fixtures.model("gguf/" + name + ".gguf"))) {
            Transformer t = Transformer.local(model.config(), model.weights(), kernelChoice.kernels());
            int vocab = model.config().vocabSize();
            int[] a = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298};
            int[] b = {1, 346, 306, 414};
            float[][] aloneA = ModelRunner.promptLogits(model, t, a);
            float[][] aloneB = ModelRunner.promptLogits(model, t, b);

            KvLayout layout = model.kvLayout(4);
            try (ArenaKvStorage kv = new ArenaKvStorage(layout, 16)) {
                // Sequence A owns blocks 0..2 (out of order on purpose), B owns 7, 5.
                int[] tableA = {2, 0, 1};
                int[] tableB = {7, 5};
                // Step 1: A's first 8 tokens and all of B's prompt together.
                int[] tokens = new int[8 + b.length];
                int[] pos = new int[tokens.length];
                int[] seq = new int[tokens.length];
                for (int i = 0; i < 8; i++) {
                    tokens[i] = a[i];
                    pos[i] = i;
                }
                for (int i = 0; i < b.length; i++) {
                    tokens[8 + i] = b[i];
                    pos[8 + i] = i;
                    seq[8 + i] = 1;
                }
                int[] rows = java.util.stream.IntStream.range(0, tokens.length).toArray();
                float[] logits = new float[rows.length * vocab];
                t.forward(new ForwardBatch(tokens, pos, seq, new int[][] {tableA, tableB}, new KvStorage[] {kv, kv}, rows), logits);
                for (int i = 0; i < 8; i++) {
                    assertThat(Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab)).as("A position %d", i).containsExactly(aloneA[i]);
                }
                for (int i = 0; i < b.length; i++) {
                    assertThat(Arrays.copyOfRange(logits, (8 + i) * vocab, (9 + i) * vocab)).as("B position %d", i).containsExactly(aloneB[i]);
                }
                // Step 2: the rest of A's prompt (a chunked prefill) next to nothing else.
                int rest = a.length - 8;
                int[] t2 = Arrays.copyOfRange(a, 8, a.length);
                int[] p2 = java.util.stream.IntStream.range(8, a.length).toArray();
                float[] logits2 = new float[rest * vocab];
                t.forward(new ForwardBatch(t2, p2, new int[rest], new int[][] {tableA}, new KvStorage[] {kv},
                        java.util.stream.IntStream.range(0, rest).toArray()), logits2);
                for (int i = 0; i < rest; i++) {
                    assertThat(Arrays.copyOfRange(logits2, i * vocab, (i + 1) * vocab)).as("A position %d", 8 + i)
                            .containsExactly(aloneA[8 + i]);
                }
            }
        }
    }
}
