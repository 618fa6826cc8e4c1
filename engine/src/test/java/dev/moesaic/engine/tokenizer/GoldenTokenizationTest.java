package dev.moesaic.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The golden JSON that llama.cpp wrote next to every GGUF fixture: its tokenization of three texts
 * (ids with and without BOS, each piece's bytes, the detokenized round trip), and the
 * detokenization of the generated ids, whose byte tokens often do not form valid UTF-8.
 */
class GoldenTokenizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> goldenFiles() throws IOException {
        Path dir = Fixtures.model("gguf");
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".golden.json")).sorted().toList();
            assertThat(names).hasSizeGreaterThanOrEqualTo(7);
            return names.stream();
        }
    }

    private static Tokenizer tokenizerFor(String goldenName) {
        Path gguf = Fixtures.model("gguf/" + goldenName.replace(".golden.json", ".gguf"));
        try (GgufFile file = GgufFile.open(gguf)) {
            return Tokenizers.fromGguf(file);
        }
    }

    static JsonNode golden(String name) {
        return JSON.readTree(Fixtures.model("gguf/" + name).toFile());
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void tokenizationEntriesMatchLlamaCpp(String goldenName) {
        Tokenizer tokenizer = tokenizerFor(goldenName);
        JsonNode entries = golden(goldenName).get("tokenization");
        assertThat(entries.size()).isEqualTo(3);
        for (JsonNode entry : entries) {
            String text = entry.get("text").asString();
            assertThat(bytes(entry.get("text_utf8_bytes"))).isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            int[] withBos = ints(entry.get("ids_add_special"));
            int[] without = ints(entry.get("ids_no_special"));
            assertThat(tokenizer.encode(text, true)).as(text).containsExactly(withBos);
            assertThat(tokenizer.encode(text, false)).as(text).containsExactly(without);
            assertPieces(tokenizer, withBos, entry.get("ids_add_special_pieces_utf8_bytes"));
            assertPieces(tokenizer, without, entry.get("ids_no_special_pieces_utf8_bytes"));
            assertThat(tokenizer.decode(without)).isEqualTo(entry.get("detokenized").asString());
        }
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void generatedTextDetokenizesLikeLlamaCpp(String goldenName) {
        VocabularyTokenizer tokenizer = (VocabularyTokenizer) tokenizerFor(goldenName);
        for (JsonNode prompt : golden(goldenName).get("prompts")) {
            int[] promptIds = ints(prompt.get("prompt_ids"));
            int[] generated = ints(prompt.get("greedy_ids"));
            assertPieces(tokenizer, generated, prompt.get("greedy_pieces_utf8_bytes"));
            // remove_special=false: the first generated token loses its leading space
            assertThat(tokenizer.decodeBytes(generated, false, false)).isEqualTo(bytes(prompt.get("greedy_text_utf8_bytes")));
            assertThat(tokenizer.decode(generated)).isEqualTo(prompt.get("greedy_text").asString());
            // remove_special=true: BOS is dropped and the space after it kept
            int[] all = concat(promptIds, generated);
            assertThat(tokenizer.decodeBytes(all, true, false)).isEqualTo(bytes(prompt.get("prompt_plus_greedy_text_utf8_bytes")));
            assertThat(tokenizer.decode(all, true, false)).isEqualTo(prompt.get("prompt_plus_greedy_text").asString());
            // streaming gives the same text, piece by piece
            StreamingDecoder stream = tokenizer.newStreamingDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : generated) {
                streamed.append(stream.accept(id));
            }
            streamed.append(stream.finish());
            assertThat(streamed.toString()).isEqualTo(prompt.get("greedy_text").asString());
        }
    }

    private static void assertPieces(Tokenizer tokenizer, int[] ids, JsonNode expected) {
        assertThat(expected.size()).isEqualTo(ids.length);
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (!java.util.Arrays.equals(tokenizer.tokenBytes(ids[i]), bytes(expected.get(i)))) {
                mismatches.add("token " + ids[i]);
            }
        }
        assertThat(mismatches).isEmpty();
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static byte[] bytes(JsonNode array) {
        byte[] out = new byte[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) array.get(i).asInt();
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
