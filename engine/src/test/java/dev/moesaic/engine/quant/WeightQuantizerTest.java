package dev.moesaic.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.gguf.GgufWriter;
import dev.moesaic.engine.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightQuantizerTest {
    @Test
    void exportingRowByRowGivesTheSameBytesAsEncodingTheWholeMatrix(@TempDir Path dir) {
        int cols = 512;
        // BF16 rows are 1024 bytes, 1024 to a mebibyte chunk: 1100 rows make a full chunk and a partial one.
        GgmlType[] types = {GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_K};
        int[] rowCounts = {1100, 300, 40};
        Random rnd = new Random(8);
        float[][] matrices = new float[types.length][];
        GgufWriter w = new GgufWriter();
        for (int t = 0; t < types.length; t++) {
            float[] all = new float[cols * rowCounts[t]];
            for (int i = 0; i < all.length; i++) {
                all[i] = (float) rnd.nextGaussian();
            }
            matrices[t] = all;
            w.addTensor(types[t].name(), types[t], new long[] {cols, rowCounts[t]}, WeightQuantizer.encodingRows(types[t], cols,
                    rowCounts[t], (r, out) -> System.arraycopy(all, (int) r * cols, out, 0, cols)));
        }
        Path file = dir.resolve("rows.gguf");
        w.write(file);
        try (GgufFile f = GgufFile.open(file)) {
            for (int t = 0; t < types.length; t++) {
                byte[] written = f.tensorData(f.tensor(types[t].name())).toArray(ValueLayout.JAVA_BYTE);
                assertThat(written).as(types[t].name()).isEqualTo(WeightQuantizer.quantize(types[t], matrices[t]));
            }
        }
    }

    @Test
    void f32IsCopiedAndBoundsAreChecked() {
        float[] x = {1f, -2f, 3f};
        byte[] out = WeightQuantizer.quantize(GgmlType.F32, x);
        assertThat(MemorySegment.ofArray(out).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN)))
                .containsExactly(x);
        assertThatThrownBy(() -> WeightQuantizer.quantize(GgmlType.Q8_0, new float[64], 0, 64, MemorySegment.ofArray(new byte[67]), 0))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("need 68 bytes");
        assertThatThrownBy(() -> WeightQuantizer.quantize(GgmlType.Q8_0, new float[40], 0, 40, MemorySegment.ofArray(new byte[68]), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 32");
    }
}
