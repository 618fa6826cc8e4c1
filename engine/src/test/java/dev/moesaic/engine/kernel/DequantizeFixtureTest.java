package dev.moesaic.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.gguf.GgufTensorInfo;
import dev.moesaic.engine.quant.WeightQuantizer;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import dev.moesaic.engine.testing.Fixtures;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The quantized fixtures were made by llama-quantize from tiny-qwen3moe.gguf (F32), so they pin down
 * both directions: our reference encoders must reproduce their bytes from the F32 source, and our
 * decoders must give values computed by hand from their raw bytes.
 */
class DequantizeFixtureTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static Tensor tensor(GgufFile f, String name) {
        GgufTensorInfo info = f.tensor(name);
        return new Tensor(name, info.type(), info.shape(), f.tensorData(info));
    }

    private static float[] floats(Tensor t) {
        float[] out = new float[Math.toIntExact(t.elementCount())];
        Dequantize.values(t.type(), t.data(), 0, out.length, out, 0);
        return out;
    }

    @Test
    void q8_0AndQ4_0FilesAreExactlyWhatOurReferenceEncodersMakeOfTheF32Model() {
        int compared = 0;
        try (GgufFile source = GgufFile.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"))) {
            for (String quantized : new String[] {"gguf/tiny-qwen3moe-Q8_0.gguf", "gguf/tiny-qwen3moe-Q4_0.gguf"}) {
                try (GgufFile q = GgufFile.open(Fixtures.model(quantized))) {
                    for (GgufTensorInfo info : q.tensors().values()) {
                        if (info.type() == GgmlType.F32) {
                            continue;
                        }
                        float[] src = floats(tensor(source, info.name()));
                        byte[] ours = WeightQuantizer.quantize(info.type(), src);
                        byte[] theirs = q.tensorData(info).toArray(ValueLayout.JAVA_BYTE);
                        assertThat(ours).as("%s %s %s", quantized, info.name(), info.type()).isEqualTo(theirs);
                        compared++;
                    }
                }
            }
        }
        assertThat(compared).isEqualTo(23 + 23);
    }

    @Test
    void dequantizedWeightsStayWithinAQuantizationStepOfTheSource() {
        try (GgufFile source = GgufFile.open(Fixtures.model("gguf/tiny-qwen3moe.gguf"));
             GgufFile q8 = GgufFile.open(Fixtures.model("gguf/tiny-qwen3moe-Q8_0.gguf"));
             GgufFile q4 = GgufFile.open(Fixtures.model("gguf/tiny-qwen3moe-Q4_0.gguf"))) {
            String name = "blk.1.ffn_down_exps.weight";
            float[] src = floats(tensor(source, name));
            float[] y8 = floats(tensor(q8, name));
            float[] y4 = floats(tensor(q4, name));
            MemorySegment d8 = q8.tensorData(q8.tensor(name));
            MemorySegment d4 = q4.tensorData(q4.tensor(name));
            for (int i = 0; i < src.length; i++) {
                float step8 = Math.abs(Float.float16ToFloat(d8.get(I16, 34L * (i / 32))));
                float step4 = Math.abs(Float.float16ToFloat(d4.get(I16, 18L * (i / 32))));
                // Half a step, plus the fp16 rounding of the stored scale (2^-11 relative) times |q| <= 127.
                assertThat(Math.abs(y8[i] - src[i])).isLessThanOrEqualTo(step8 * (0.5f + 127f / 2048) * 1.001f);
                // Q4_0 keeps 16 levels -8..7 for a range of +-8 steps: the extreme side clamps by one step.
                assertThat(Math.abs(y4[i] - src[i])).isLessThanOrEqualTo(step4 * (1f + 8f / 2048) * 1.001f);
            }
        }
    }

    @Test
    void q8_0AndQ4_0ElementsComputedByHandFromRawBytes() {
        try (GgufFile q4 = GgufFile.open(Fixtures.model("gguf/tiny-qwen3moe-Q4_0.gguf"))) {
            Tensor emb = tensor(q4, "token_embd.weight"); // Q4_0 [64, 512]
            Tensor out = tensor(q4, "output.weight");     // Q8_0 [64, 512]
            assertThat(emb.type()).isEqualTo(GgmlType.Q4_0);
            assertThat(out.type()).isEqualTo(GgmlType.Q8_0);
            float[] row = new float[64];
            for (int r : new int[] {0, 1, 258, 511}) {
                Dequantize.row(emb, r, row, 0);
                for (int c : new int[] {0, 5, 16, 31, 32, 47, 63}) {
                    long block = r * 36L + (c / 32) * 18L;
                    float d = Float.float16ToFloat(emb.data().get(I16, block));
                    int packed = emb.data().get(ValueLayout.JAVA_BYTE, block + 2 + c % 16) & 0xff;
                    int q = c % 32 < 16 ? packed & 15 : packed >> 4;
                    assertThat(row[c]).as("token_embd[%d][%d]", r, c).isEqualTo((q - 8) * d);
                }
                Dequantize.row(out, r, row, 0);
                for (int c : new int[] {0, 31, 33, 63}) {
                    long block = r * 68L + (c / 32) * 34L;
                    float d = Float.float16ToFloat(out.data().get(I16, block));
                    byte q = out.data().get(ValueLayout.JAVA_BYTE, block + 2 + c % 32);
                    assertThat(row[c]).as("output[%d][%d]", r, c).isEqualTo(q * d);
                }
            }
        }
    }

    @Test
    void q4_KAndQ6_KElementsComputedByHandFromRawBytes() {
        try (GgufFile f = GgufFile.open(Fixtures.model("gguf/tiny-qwen3moe-256-Q4_K_M.gguf"))) {
            Tensor q4k = tensor(f, "token_embd.weight");
            Tensor q6k = tensor(f, "output.weight");
            assertThat(q4k.type()).isEqualTo(GgmlType.Q4_K);
            assertThat(q6k.type()).isEqualTo(GgmlType.Q6_K);
            float[] row = new float[q4k.cols()];
            for (int r : new int[] {0, 3, 300, 511}) {
                Dequantize.row(q4k, r, row, 0);
                for (int c : new int[] {0, 31, 32, 63, 64, 100, 160, 200, 224, 255}) {
                    assertThat(row[c]).as("Q4_K [%d][%d]", r, c).isEqualTo(q4kByHand(q4k.data(), r * q4k.rowBytes(), c));
                }
                Dequantize.row(q6k, r, row, 0);
                for (int c : new int[] {0, 15, 16, 40, 70, 100, 127, 128, 200, 255}) {
                    assertThat(row[c]).as("Q6_K [%d][%d]", r, c).isEqualTo(q6kByHand(q6k.data(), r * q6k.rowBytes(), c));
                }
            }
        }
    }

    @Test
    void everyQuantizedTensorOfTheK_QuantFileDecodesToFiniteValues() {
        try (GgufFile f = GgufFile.open(Fixtures.model("gguf/tiny-qwen3moe-256-Q4_K_M.gguf"))) {
            int kQuant = 0;
            for (GgufTensorInfo info : f.tensors().values()) {
                float[] y = floats(tensor(f, info.name()));
                double sumAbs = 0;
                int nonFinite = 0;
                for (float v : y) {
                    nonFinite += Float.isFinite(v) ? 0 : 1;
                    sumAbs += Math.abs(v);
                }
                assertThat(nonFinite).as(info.name()).isZero();
                assertThat(sumAbs).as(info.name()).isPositive();
                if (info.type() == GgmlType.Q4_K || info.type() == GgmlType.Q6_K) {
                    kQuant++;
                }
            }
            assertThat(kQuant).isEqualTo(9);
        }
    }

    /** Element {@code c} of the Q4_K row at {@code rowAt}, following the block description step by step. */
    private static float q4kByHand(MemorySegment s, long rowAt, int c) {
        long blk = rowAt + (c / 256) * 144L;
        int i = c % 256;
        float d = Float.float16ToFloat(s.get(I16, blk));
        float dmin = Float.float16ToFloat(s.get(I16, blk + 2));
        int[] b = new int[12];
        for (int k = 0; k < 12; k++) {
            b[k] = s.get(ValueLayout.JAVA_BYTE, blk + 4 + k) & 0xff;
        }
        int sub = i / 32;
        int scale;
        int min;
        if (sub < 4) {
            scale = b[sub] % 64;
            min = b[sub + 4] % 64;
        } else {
            scale = b[sub + 4] % 16 + 16 * (b[sub - 4] / 64);
            min = b[sub + 4] / 16 + 16 * (b[sub] / 64);
        }
        int qsByte = s.get(ValueLayout.JAVA_BYTE, blk + 16 + 32L * (i / 64) + i % 32) & 0xff;
        int q = (i % 64) < 32 ? qsByte % 16 : qsByte / 16;
        return d * scale * q - dmin * min;
    }

    /** Element {@code c} of the Q6_K row at {@code rowAt}, following the block description step by step. */
    private static float q6kByHand(MemorySegment s, long rowAt, int c) {
        long blk = rowAt + (c / 256) * 210L;
        int i = c % 256;
        int half = i / 128;
        int quadrant = (i % 128) / 32;
        int l = i % 32;
        int ql = s.get(ValueLayout.JAVA_BYTE, blk + 64L * half + l + (quadrant % 2) * 32) & 0xff;
        int low = quadrant < 2 ? ql % 16 : ql / 16;
        int qh = s.get(ValueLayout.JAVA_BYTE, blk + 128 + 32L * half + l) & 0xff;
        int high = (qh >> (2 * quadrant)) % 4;
        byte scale = s.get(ValueLayout.JAVA_BYTE, blk + 192 + i / 16);
        float d = Float.float16ToFloat(s.get(I16, blk + 208));
        return d * scale * (low + 16 * high - 32);
    }
}
