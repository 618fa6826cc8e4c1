package dev.moesaic.engine.forward;

/**
 * Runs the routed experts of one MoE layer. The single-device implementation reads experts straight
 * from the model weights; the multi-device one dispatches them to the devices that hold replicas.
 * Either way each assignment's output is computed the same way, so outputs never depend on placement.
 */
public interface ExpertExecutor {
    /**
     * @param x       the layer's normalised input, {@code tokens} rows of {@code hidden}
     * @param experts {@code tokens * k} chosen expert ids; assignment {@code a = t*k + j}
     * @param out     {@code tokens * k} rows of {@code hidden}: row a = expert[experts[a]](x[t])
     */
    void run(int layer, float[] x, int tokens, int[] experts, float[] out);
}
