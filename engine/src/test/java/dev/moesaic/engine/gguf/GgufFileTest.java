package dev.moesaic.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;

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
}
