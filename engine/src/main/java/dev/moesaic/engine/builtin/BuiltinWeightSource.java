package dev.moesaic.engine.builtin;

import dev.moesaic.engine.model.ModelConfig;
import dev.moesaic.engine.model.WeightSource;
import dev.moesaic.engine.quant.WeightQuantizer;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tokenizer.BuiltinVocabulary;
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
    private final GgmlType matrixType;
    private final Arena arena = Arena.ofShared();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private int tensorIndex;

    /**
     * @param matrixType storage type of the weight matrices (norms and the router stay F32, as
     *                   llama.cpp's quantizer leaves them)
     */
    public BuiltinWeightSource(String name, ModelConfig c, GgmlType matrixType) {
        this.origin = BuiltinModels.PREFIX + name + (matrixType == GgmlType.F32 ? "" : ":" + matrixType);
        this.matrixType = matrixType;
        try {
            matrix("token_embd.weight", c.hidden(), c.vocabSize(), 1f);
            ones("output_norm.weight", c.hidden());
            // Byte tokens get smaller output rows, so the random model mostly emits word pieces and its
            // text is readable-looking rather than a stream of invalid UTF-8.
            fill("output.weight", new long[] {c.hidden(), c.vocabSize()}, 1f / (float) Math.sqrt(c.hidden()), matrixType,
                    row -> row >= BuiltinVocabulary.FIRST_BYTE_ID && row < BuiltinVocabulary.FIRST_PIECE_ID ? 0.25f : 1f);
            // Residual-branch outputs are scaled by 1/sqrt(2 * layers) (GPT-2's initialisation) so the
            // residual stream keeps its size through depth and the random model's outputs stay varied.
            float residualScale = 1f / (float) Math.sqrt(2.0 * c.layers());
            for (int l = 0; l < c.layers(); l++) {
                String p = "blk." + l + ".";
                float inScale = 1f / (float) Math.sqrt(c.hidden());
                ones(p + "attn_norm.weight", c.hidden());
                matrix(p + "attn_q.weight", c.hidden(), c.queryDim(), inScale);
                matrix(p + "attn_k.weight", c.hidden(), c.keyDim(), inScale);
                matrix(p + "attn_v.weight", c.hidden(), c.kvValueDim(), inScale);
                matrix(p + "attn_output.weight", c.heads() * c.valueDim(), c.hidden(),
                        residualScale / (float) Math.sqrt(c.heads() * c.valueDim()));
                ones(p + "attn_q_norm.weight", c.headDim());
                ones(p + "attn_k_norm.weight", c.headDim());
                ones(p + "ffn_norm.weight", c.hidden());
                fill(p + "ffn_gate_inp.weight", new long[] {c.hidden(), c.experts()}, inScale, GgmlType.F32);
                experts(p + "ffn_gate_exps.weight", c.hidden(), c.expertFfn(), c.experts(), inScale);
                experts(p + "ffn_up_exps.weight", c.hidden(), c.expertFfn(), c.experts(), inScale);
                experts(p + "ffn_down_exps.weight", c.expertFfn(), c.hidden(), c.experts(), residualScale / (float) Math.sqrt(c.expertFfn()));
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
        fill(name, new long[] {cols, rows}, std, matrixType);
    }

    private void experts(String name, int cols, int rows, int experts, float std) {
        fill(name, new long[] {cols, rows, experts}, std, matrixType);
    }

    private void fill(String name, long[] shape, float std, GgmlType type) {
        fill(name, shape, std, type, row -> 1f);
    }

    /**
     * Generates row by row straight into the storage type, so a quantized model never exists as
     * F32 in memory. Element i (row-major over the whole tensor) depends only on (tensor, i).
     */
    private void fill(String name, long[] shape, float std, GgmlType type, java.util.function.LongToDoubleFunction rowScale) {
        int cols = Math.toIntExact(shape[0]);
        long rows = 1;
        for (int d = 1; d < shape.length; d++) {
            rows *= shape[d];
        }
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(origin + ": " + name + " rows of " + cols + " cannot be stored as " + type
                    + " (needs a multiple of " + type.blockSize() + ")");
        }
        long rowBytes = type.bytesFor(cols);
        MemorySegment s = arena.allocate(rowBytes * rows, 64);
        long stream = SEED + 0x9E3779B97F4A7C15L * (++tensorIndex);
        float scale = std * (float) Math.sqrt(3.0) * 2f; // uniform(-a, a) has std a/sqrt(3)
        long totalRows = rows;
        int chunks = (int) Math.min(4096, Math.max(1, totalRows / 64));
        long per = (totalRows + chunks - 1) / chunks;
        IntStream.range(0, chunks).parallel().forEach(ch -> {
            float[] row = new float[cols];
            long from = ch * per;
            long to = Math.min(totalRows, from + per);
            for (long r = from; r < to; r++) {
                long base = stream + r * cols;
                float rowFactor = scale * (float) rowScale.applyAsDouble(r);
                for (int c = 0; c < cols; c++) {
                    float u = (mix(base + c) >>> 40) * 0x1.0p-24f; // [0, 1)
                    row[c] = (u - 0.5f) * rowFactor;
                }
                WeightQuantizer.quantize(type, row, 0, cols, s, r * rowBytes);
            }
        });
        tensors.put(name, new Tensor(name, type, shape, s));
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
