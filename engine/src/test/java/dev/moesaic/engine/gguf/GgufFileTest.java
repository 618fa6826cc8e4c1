package dev.moesaic.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.testing.Fixtures;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    @Test
    void readsHeaderMetadataAndTensorsOfTinyQwen3Moe() {
        try (GgufFile f = GgufFile.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"))) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.requireString("general.architecture")).isEqualTo("qwen3moe");
            assertThat(f.requireInt("qwen3moe.expert_count")).isEqualTo(8);
            assertThat(f.getFloat("qwen3moe.rope.freq_base", 0)).isEqualTo(1_000_000f);
            assertThat(f.getStringArray("tokenizer.ggml.tokens")).hasSize(512).startsWith("<unk>", "<s>", "</s>", "<0x00>");
            assertThat(f.tensors()).hasSize(39);
            GgufTensorInfo gate = f.tensor("blk.0.ffn_gate_exps.weight");
            assertThat(gate.type()).isEqualTo(GgmlType.F32);
            assertThat(gate.shape()).containsExactly(64, 32, 8);
            assertThat(gate.byteSize()).isEqualTo(64L * 32 * 8 * 4);
            assertThat(gate.offset() % f.alignment()).isZero();
        }
    }

    @Test
    void readsQuantizedTensorInfos() {
        try (GgufFile f = GgufFile.open(Fixtures.model("gguf/tiny-qwen3moe-256-Q4_K_M.gguf"))) {
            assertThat(f.tensor("output.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensor("token_embd.weight").type()).isEqualTo(GgmlType.Q4_K);
            assertThat(f.tensor("token_embd.weight").byteSize()).isEqualTo(512L * 144);
        }
    }

    @Test
    void opensVocabularyOnlyFilesThatEndRightAfterTheHeader() {
        // llama.cpp's vocab files have no tensors and no padding after the tensor infos.
        try (GgufFile f = GgufFile.open(Fixtures.model("vocab/ggml-vocab-gpt-2.gguf"))) {
            assertThat(f.tensors()).isEmpty();
            assertThat(f.dataOffset()).isGreaterThan(f.mapping().byteSize());
            assertThat(f.getStringArray("tokenizer.ggml.tokens")).hasSize(50257);
            assertThat(f.valueType("tokenizer.ggml.tokens")).isEqualTo(GgufValueType.ARRAY);
        }
    }

    @Test
    void errorMessagesNameTheFileTheProblemAndWhatToDo(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("w", GgmlType.F32, new long[] {8}, MemorySegment.ofArray(new float[8])).write(good);
        byte[] bytes = Files.readAllBytes(good);
        GgufFile.open(good).close();

        Path truncated = Files.write(dir.resolve("truncated.gguf"), Arrays.copyOf(bytes, bytes.length - 1));
        assertThatThrownBy(() -> GgufFile.open(truncated)).isInstanceOf(GgufFormatException.class)
                .hasMessageStartingWith(truncated + ": invalid GGUF at byte")
                .hasMessageContaining("tensor 'w' (32 bytes at data offset 0) extends past the end of the file")
                .hasMessageContaining("copy or download it again");

        byte[] bigEndian = bytes.clone();
        bigEndian[4] = 0;
        bigEndian[7] = 3;
        Path be = Files.write(dir.resolve("be.gguf"), bigEndian);
        assertThatThrownBy(() -> GgufFile.open(be)).hasMessageContaining("big-endian GGUF (version 3) is not supported");

        byte[] q5k = bytes.clone();
        int typeAt = indexOf(bytes, new byte[] {'w'}, 40) + 1 + 4 + 8; // name, n_dims, one dim
        q5k[typeAt] = 13;
        Path unsupported = Files.write(dir.resolve("q5k.gguf"), q5k);
        assertThatThrownBy(() -> GgufFile.open(unsupported))
                .hasMessageContaining("tensor 'w' has type Q5_K, which Moesaic does not support");

        Path notGguf = Files.writeString(dir.resolve("model.bin"), "not a gguf file but long enough to have a header");
        assertThatThrownBy(() -> GgufFile.open(notGguf)).hasMessageContaining("bad magic").hasMessageContaining("is this a GGUF file?");
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        for (int i = from; i <= haystack.length - needle.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
