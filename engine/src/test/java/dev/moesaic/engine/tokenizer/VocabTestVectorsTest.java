package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's own tokenizer test vectors (models/ggml-vocab-*.gguf.inp/.out): every text must give
 * exactly the listed ids, tokenized without BOS and without parsing special tokens.
 */
class VocabTestVectorsTest {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    record Vector(String text, int[] ids) {
    }

    static List<Vector> vectors(String name) throws IOException {
        Path inp = Fixtures.model("vocab/ggml-vocab-" + name + ".gguf.inp");
        Path out = Fixtures.model("vocab/ggml-vocab-" + name + ".gguf.out");
        String all = Files.readString(inp, StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>(Arrays.asList(all.split(SEPARATOR, -1)));
        texts.removeLast(); // the file ends with a separator
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines).as("one id line per text in " + out).hasSize(texts.size());
        List<Vector> vectors = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = lines.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" +")).mapToInt(Integer::parseInt).toArray();
            vectors.add(new Vector(texts.get(i), ids));
        }
        return vectors;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "llama-spm", "deepseek-coder"})
    void everyTestVectorTokenizesToTheListedIds(String name) throws IOException {
        List<Vector> vectors = vectors(name);
        assertThat(vectors).hasSizeGreaterThan(40);
        try (GgufFile file = VocabFiles.open(name)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(file); // through the public factory, not the test cache
            List<String> failures = new ArrayList<>();
            for (Vector v : vectors) {
                int[] actual = tokenizer.encode(v.text(), false);
                if (!Arrays.equals(actual, v.ids())) {
                    failures.add("'" + v.text().replace("\n", "\\n") + "': expected " + Arrays.toString(v.ids())
                            + " got " + Arrays.toString(actual));
                }
            }
            assertThat(failures).as(name).isEmpty();
        }
    }
}
