package dev.moesaic.engine.builtin;

import dev.moesaic.engine.model.ModelConfig;
import dev.moesaic.engine.model.WeightSource;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Generates a built-in model's tensors off-heap under GGUF names. Every value is a pure function of
 * (tensor index, element index), so the weights are identical whatever the thread count and on
 * every machine. Matrices are uniform with standard deviation 1/sqrt(fan-in); norm weights are 1.
 */
public final class BuiltinWeightSource implements WeightSource {
    private static final long SEED = 0x5EED_0F_0E5A1CL;
    private final String origin;
    private final Arena arena = Arena.ofShared();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private int tensorIndex;

    public BuiltinWeightSource(String name, ModelConfig c) {
        this.origin = BuiltinModels.PREFIX + name;
        try {
            matrix("token_embd.weight", c.hidden(), c.vocabSize(), 1f);
            ones("output_norm.weight", c.hidden());
            matrix("output.weight", c.hidden(), c.vocabSize(), 1f / (float) Math.sqrt(c.hidden()));
            for (int l = 0; l < c.layers(); l++) {
                String p = "blk." + l + ".";
                float inScale = 1f / (float) Math.sqrt(c.hidden());
                ones(p + "attn_norm.weight", c.hidden());
                matrix(p + "attn_q.weight", c.hidden(), c.queryDim(), inScale);
                matrix(p + "attn_k.weight", c.hidden(), c.keyDim(), inScale);
                matrix(p + "attn_v.weight", c.hidden(), c.kvValueDim(), inScale);
                matrix(p + "attn_output.weight", c.heads() * c.valueDim(), c.hidden(), 1f / (float) Math.sqrt(c.heads() * c.valueDim()));
                ones(p + "attn_q_norm.weight", c.headDim());
                ones(p + "attn_k_norm.weight", c.headDim());
                ones(p + "ffn_norm.weight", c.hidden());
                matrix(p + "ffn_gate_inp.weight", c.hidden(), c.experts(), inScale);
                experts(p + "ffn_gate_exps.weight", c.hidden(), c.expertFfn(), c.experts(), inScale);
                experts(p + "ffn_up_exps.weight", c.hidden(), c.expertFfn(), c.experts(), inScale);
                experts(p + "ffn_down_exps.weight", c.expertFfn(), c.hidden(), c.experts(), 1f / (float) Math.sqrt(c.expertFfn()));
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    private void ones(String name, int n) {
        MemorySegment s = arena.allocate((long) n * 4, 64);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
        }
        tensors.put(name, new Tensor(name, GgmlType.F32, new long[] {n}, s));
        tensorIndex++;
    }

    private void matrix(String name, int cols, int rows, float std) {
        fill(name, new long[] {cols, rows}, (long) cols * rows, std);
    }

    private void experts(String name, int cols, int rows, int experts, float std) {
        fill(name, new long[] {cols, rows, experts}, (long) cols * rows * experts, std);
    }

    private void fill(String name, long[] shape, long n, float std) {
        MemorySegment s = arena.allocate(n * 4, 64);
        long stream = SEED + 0x9E3779B97F4A7C15L * (++tensorIndex);
        float scale = std * (float) Math.sqrt(3.0) * 2f; // uniform(-a, a) has std a/sqrt(3)
        int chunks = (int) Math.min(1024, Math.max(1, n / 65536));
        long per = (n + chunks - 1) / chunks;
        IntStream.range(0, chunks).parallel().forEach(ch -> {
            long from = ch * per;
            long to = Math.min(n, from + per);
            for (long i = from; i < to; i++) {
                float u = (mix(stream + i) >>> 40) * 0x1.0p-24f; // [0, 1)
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (u - 0.5f) * scale);
            }
        });
        tensors.put(name, new Tensor(name, GgmlType.F32, shape, s));
    }

    /** SplitMix64's finaliser: a good 64-bit mixing function of a counter. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String origin() {
        return origin;
    }

    @Override
    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    @Override
    public Set<String> tensorNames() {
        return tensors.keySet();
    }

    @Override
    public void close() {
        arena.close();
    }
}
