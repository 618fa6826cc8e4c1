package dev.moesaic.engine.kernel;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The plain twin of {@link Attention}: scalar loops, double-free float math, Math.exp, one thread. */
public final class ReferenceAttention {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ReferenceAttention() {
    }

    /** Query row at {@code q[qo ...]} at position {@code pos} (all heads) into {@code out[oo ...]}. */
    public static void attend(float[] q, int qo, PagedKv kv, int pos, AttentionShape shape, float[] out, int oo) {
        Attention.check(q, qo, 1, kv, pos, shape, out, oo);
        int hd = shape.headDim();
        for (int h = 0; h < shape.heads(); h++) {
            int kvh = shape.kvHeadOf(h);
            float[] scores = new float[pos + 1];
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t <= pos; t++) {
                float dot = 0f;
                for (int d = 0; d < hd; d++) {
                    dot += q[qo + h * hd + d] * kv.pool().get(F32, kv.keyAt(t) + 4L * (kvh * hd + d));
                }
                scores[t] = dot * shape.scale();
                max = Math.max(max, scores[t]);
            }
            float sum = 0f;
            for (int t = 0; t <= pos; t++) {
                scores[t] = (float) Math.exp(scores[t] - max);
                sum += scores[t];
            }
            for (int d = 0; d < hd; d++) {
                float acc = 0f;
                for (int t = 0; t <= pos; t++) {
                    acc += scores[t] * kv.pool().get(F32, kv.valueAt(t) + 4L * (kvh * hd + d));
                }
                out[oo + h * hd + d] = acc / sum;
            }
        }
    }
}
