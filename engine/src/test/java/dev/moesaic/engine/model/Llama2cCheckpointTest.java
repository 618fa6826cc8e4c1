package dev.moesaic.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.testing.Fixtures;
import dev.moesaic.engine.testing.Golden;
import dev.moesaic.engine.testing.ModelRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

class Llama2cCheckpointTest {
    @Test
    void greedyFromBosReproducesLlama2cReference() {
        JsonNode golden = new ObjectMapper().readTree(Fixtures.model("stories260K/golden.json").toFile());
        int[] expected = Golden.ints(golden.get("greedy_from_BOS_60"));
        try (LoadedModel model = ModelLoader.open(Fixtures.model("stories260K/stories260K.bin"))) {
            assertThat(model.config().layers()).isEqualTo(5);
            assertThat(model.config().vocabSize()).isEqualTo(512);
            Transformer t = Transformer.local(model.config(), model.weights(), Kernels.reference());
            float[][] logits = new float[expected.length - 1][];
            int[] ids = ModelRunner.greedy(model, t, new int[] {1}, expected.length - 1, logits);
            assertThat(ids).containsExactly(Arrays.copyOfRange(expected, 1, expected.length));
            float[] first8 = Golden.floats(golden.get("logits_after_BOS_first8"));
            for (int i = 0; i < first8.length; i++) {
                assertThat(logits[0][i]).isCloseTo(first8[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    @Test
    void truncatedCheckpointIsATypedErrorNamingTheFile(@TempDir Path dir) throws Exception {
        byte[] full = Files.readAllBytes(Fixtures.model("stories260K/stories260K.bin"));
        for (int len : new int[] {0, 10, 28, 1000, full.length / 2, full.length - 4}) {
            Path p = dir.resolve("cut" + len + ".bin");
            Files.write(p, Arrays.copyOf(full, len));
            assertThatThrownBy(() -> ModelLoader.open(p)).isInstanceOf(ModelFormatException.class).hasMessageContaining(p.toString());
        }
    }
}
