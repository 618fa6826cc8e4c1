package dev.moesaic.engine.forward;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Causal grouped-query attention of one token against its sequence's paged KV cache. Plain scalar
 * code: scores = q.k / sqrt(headDim), softmax, weighted sum of values.
 */
public final class Attention {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Attention() {
    }

    /**
     * @param q       queries of this token, {@code heads * headDim} floats at {@code qOff}
     * @param pos     the token's position: it attends to positions 0..pos of its sequence
     * @param out     {@code heads * valueDim} floats written at {@code outOff}
     * @param scores  scratch of at least pos+1 floats
     */
    public static void attend(float[] q, int qOff, int pos, int[] blockTable, KvLayout layout, MemorySegment kv, int layer,
                              int heads, int kvHeads, int headDim, int valueDim, float[] out, int outOff, float[] scores) {
        int group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int h = 0; h < heads; h++) {
            int kvh = h / group;
            int qBase = qOff + h * headDim;
            for (int p = 0; p <= pos; p++) {
                long k = layout.keyOffset(blockTable, layer, p) + (long) kvh * headDim * Float.BYTES;
                float dot = 0f;
                for (int i = 0; i < headDim; i++) {
                    dot += q[qBase + i] * kv.get(F32, k + (long) i * Float.BYTES);
                }
                scores[p] = dot * scale;
            }
            Ops.softmax(scores, 0, pos + 1);
            int oBase = outOff + h * valueDim;
            for (int i = 0; i < valueDim; i++) {
                out[oBase + i] = 0f;
            }
            for (int p = 0; p <= pos; p++) {
                long v = layout.valueOffset(blockTable, layer, p) + (long) kvh * valueDim * Float.BYTES;
                float w = scores[p];
                for (int i = 0; i < valueDim; i++) {
                    out[oBase + i] += w * kv.get(F32, v + (long) i * Float.BYTES);
                }
            }
        }
    }
}
