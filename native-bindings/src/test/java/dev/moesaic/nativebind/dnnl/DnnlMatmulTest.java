package dev.moesaic.nativebind.dnnl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DnnlMatmulTest {
    private static DnnlEngine engine;

    @BeforeAll
    static void load() {
        assumeTrue(Dnnl.isAvailable(), "oneDNN (JavaCPP) does not load on this platform");
        engine = new DnnlEngine();
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private static MemorySegment floats(Arena arena, float[] v) {
        MemorySegment s = arena.allocate(4L * v.length, 64);
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT, 0, v.length);
        return s;
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static short bf16(float f) {
        int u = Float.floatToRawIntBits(f);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    private static float bf16Value(float f) {
        return Float.intBitsToFloat((bf16(f) & 0xffff) << 16);
    }

    private static float[] runAllSlices(DnnlMatmul mm, MemorySegment src, int m, Arena arena) {
        MemorySegment dst = arena.allocate(4L * m * mm.rows(), 64);
        for (int s = 0; s < mm.slices(); s++) {
            mm.execute(src, m, dst, s);
        }
        return dst.toArray(ValueLayout.JAVA_FLOAT);
    }

    @ParameterizedTest(name = "n={0} k={1} m={2} slice={3}")
    @CsvSource({"1,1,1,64", "7,33,2,4", "67,100,7,16", "130,257,64,64", "256,1024,1,128"})
    void f32MatchesDoublePrecisionDot(int n, int k, int m, int slice) {
        try (Arena arena = Arena.ofShared()) {
            float[] w = random(n * k, n + k);
            float[] x = random(m * k, m);
            try (DnnlMatmul mm = new DnnlMatmul(engine, floats(arena, w), n, k, DnnlMatmul.WeightType.F32, false, slice)) {
                float[] out = runAllSlices(mm, floats(arena, x), m, arena);
                for (int i = 0; i < m; i++) {
                    for (int r = 0; r < n; r++) {
                        double s = 0;
                        double mag = 0;
                        for (int c = 0; c < k; c++) {
                            s += (double) w[r * k + c] * x[i * k + c];
                            mag += Math.abs((double) w[r * k + c] * x[i * k + c]);
                        }
                        assertThat((double) out[i * n + r]).as("out[%d][%d]", i, r).isCloseTo(s, within(1e-5 * mag + 1e-30));
                    }
                }
            }
        }
    }

    /**
     * Measured: with f32 activations, bf16 weights and fpmath_mode bf16, oneDNN 3.13 on an AVX-512 CPU
     * without AVX512_BF16 widens the weights and keeps the activations in f32 (it does not round them
     * to bf16 the way ggml does); callers that want ggml's semantics round the activations themselves.
     */
    @Test
    void bf16WeightsAreWidenedAndActivationsStayF32OnThisCpu() {
        int n = 40;
        int k = 96;
        int m = 3;
        try (Arena arena = Arena.ofShared()) {
            float[] w = random(n * k, 1);
            float[] x = random(m * k, 2);
            MemorySegment ws = arena.allocate(2L * n * k, 64);
            for (int i = 0; i < n * k; i++) {
                ws.setAtIndex(ValueLayout.JAVA_SHORT, i, bf16(w[i]));
            }
            try (DnnlMatmul mm = new DnnlMatmul(engine, ws, n, k, DnnlMatmul.WeightType.BF16, true, 16)) {
                float[] out = runAllSlices(mm, floats(arena, x), m, arena);
                for (int i = 0; i < m; i++) {
                    for (int r = 0; r < n; r++) {
                        double s = 0;
                        double mag = 0;
                        for (int c = 0; c < k; c++) {
                            double t = (double) bf16Value(w[r * k + c]) * x[i * k + c];
                            s += t;
                            mag += Math.abs(t);
                        }
                        assertThat((double) out[i * n + r]).as("out[%d][%d]", i, r).isCloseTo(s, within(1e-5 * mag + 1e-30));
                    }
                }
                assertThat(mm.implementation(1)).isNotBlank();
            }
        }
    }

    @Test
    void slicesRunConcurrentlyFromSeveralThreads() throws Exception {
        int n = 512;
        int k = 256;
        int m = 4;
        try (Arena arena = Arena.ofShared()) {
            float[] w = random(n * k, 5);
            MemorySegment src = floats(arena, random(m * k, 6));
            try (DnnlMatmul mm = new DnnlMatmul(engine, floats(arena, w), n, k, DnnlMatmul.WeightType.F32, false, 32)) {
                float[] serial = runAllSlices(mm, src, m, arena);
                MemorySegment dst = arena.allocate(4L * m * n, 64);
                Thread[] ts = new Thread[3];
                for (int t = 0; t < ts.length; t++) {
                    int tt = t;
                    ts[t] = new Thread(() -> {
                        for (int rep = 0; rep < 20; rep++) {
                            for (int s = tt; s < mm.slices(); s += ts.length) {
                                mm.execute(src, m, dst, s);
                            }
                        }
                    });
                    ts[t].start();
                }
                for (Thread t : ts) {
                    t.join();
                }
                assertThat(dst.toArray(ValueLayout.JAVA_FLOAT)).isEqualTo(serial);
            }
        }
    }

    @Test
    void rejectsHeapSegmentsAndWrongSizes() {
        assertThatThrownBy(() -> new DnnlMatmul(engine, MemorySegment.ofArray(new float[8]), 2, 4,
                DnnlMatmul.WeightType.F32, false, 2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("off-heap");
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> new DnnlMatmul(engine, arena.allocate(12), 2, 4, DnnlMatmul.WeightType.F32, false, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need 32 bytes");
        }
    }
}
