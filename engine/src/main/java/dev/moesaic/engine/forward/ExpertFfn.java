package dev.moesaic.engine.forward;

import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.tensor.Tensor;

/**
 * The SwiGLU feed-forward of one expert over the rows routed to it: down(silu(gate x) * up x).
 * Owns its scratch buffers, so one instance must not be used by two threads at once.
 */
public final class ExpertFfn {
    private float[] gate = new float[0];
    private float[] up = new float[0];
    private final Tensor[] pair = new Tensor[2];
    private final float[][] outs = new float[2][];

    /** out[r*hidden ...] = ffn(x[r*hidden ...]) for r < rows. */
    public void apply(Kernels kernels, Tensor wGate, Tensor wUp, Tensor wDown, float[] x, int rows, float[] out) {
        int width = wGate.rows();
        int n = rows * width;
        if (gate.length < n) {
            gate = new float[n];
            up = new float[n];
        }
        // gate and up read the same rows: one fused job (and one activation quantization)
        pair[0] = wGate;
        pair[1] = wUp;
        outs[0] = gate;
        outs[1] = up;
        kernels.matmulEach(pair, x, rows, outs);
        Ops.swiglu(gate, up, n);
        kernels.matmul(wDown, gate, rows, out);
    }
}
