package dev.moesaic.engine.forward;

import dev.moesaic.engine.model.RopeStyle;
import dev.moesaic.engine.tensor.Tensor;

/** The small element-wise operations of a transformer block, written to round like ggml's CPU ops. */
public final class Ops {

    private Ops() {
    }

    /** out = x / rms(x) * weight for one row; the sum of squares is accumulated in double like ggml. */
    public static void rmsNorm(float[] x, int xOff, float[] weight, float eps, float[] out, int outOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += (double) (v * v);
        }
        float mean = (float) (sum / n);
        float scale = (float) (1.0 / Math.sqrt(mean + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (x[xOff + i] * scale) * weight[i];
        }
    }

    /** Rotary position embedding of one head in place (the first {@code ropeDims} dimensions). */
    public static void rope(float[] x, int off, int pos, int ropeDims, float base, RopeStyle style) {
        float thetaScale = (float) Math.pow(base, -2.0 / ropeDims);
        float theta = pos;
        int half = ropeDims / 2;
        for (int i = 0; i < half; i++) {
            float cos = (float) Math.cos(theta);
            float sin = (float) Math.sin(theta);
            theta *= thetaScale;
            int a = style == RopeStyle.NORMAL ? off + 2 * i : off + i;
            int b = style == RopeStyle.NORMAL ? a + 1 : a + half;
            float x0 = x[a];
            float x1 = x[b];
            x[a] = x0 * cos - x1 * sin;
            x[b] = x0 * sin + x1 * cos;
        }
    }

    /**
     * The cos and sin {@link #rope} uses for position {@code pos}, computed the same way (so the same
     * bits): {@code out[off + 2i] = cos(theta_i)}, {@code out[off + 2i + 1] = sin(theta_i)}, i < ropeDims/2.
     * A token's angles serve every head of every layer, instead of being recomputed per head.
     */
    public static void ropeAngles(int pos, int ropeDims, float base, float[] out, int off) {
        float thetaScale = (float) Math.pow(base, -2.0 / ropeDims);
        float theta = pos;
        for (int i = 0; i < ropeDims / 2; i++) {
            out[off + 2 * i] = (float) Math.cos(theta);
            out[off + 2 * i + 1] = (float) Math.sin(theta);
            theta *= thetaScale;
        }
    }

    /** {@link #rope} with angles from {@link #ropeAngles}: the same result, bit for bit. */
    public static void rope(float[] x, int off, float[] angles, int anglesOff, int ropeDims, RopeStyle style) {
        int half = ropeDims / 2;
        for (int i = 0; i < half; i++) {
            float cos = angles[anglesOff + 2 * i];
            float sin = angles[anglesOff + 2 * i + 1];
            int a = style == RopeStyle.NORMAL ? off + 2 * i : off + i;
            int b = style == RopeStyle.NORMAL ? a + 1 : a + half;
            float x0 = x[a];
            float x1 = x[b];
            x[a] = x0 * cos - x1 * sin;
            x[b] = x0 * sin + x1 * cos;
        }
    }

    public static float silu(float x) {
        return x / (1.0f + (float) Math.exp(-x));
    }

    /** gate[i] = silu(gate[i]) * up[i]: the SwiGLU activation. */
    public static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            gate[i] = silu(gate[i]) * up[i];
        }
    }

    /** In-place softmax of {@code x[off .. off+n)}; returns nothing, the sum is kept in double like ggml. */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** An F32 vector tensor as a heap array, or null for an absent (optional) tensor. */
    public static float[] toFloats(Tensor t) {
        return t == null ? null : t.toFloats();
    }

    /** x[row*n + i] += bias[i] for every row. */
    public static void addBias(float[] x, int rows, float[] bias) {
        int n = bias.length;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < n; i++) {
                x[r * n + i] += bias[i];
            }
        }
    }
}
