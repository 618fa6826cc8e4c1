package dev.moesaic.engine.forward;

import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.model.LayerWeights;
import dev.moesaic.engine.model.ModelWeights;

/**
 * All experts on one device, read from the model's merged expert tensors. Assignments are grouped by
 * expert so each expert runs one matmul over all of its tokens (a grouped GEMM).
 */
public final class LocalExpertExecutor implements ExpertExecutor {
    private final ModelWeights weights;
    private final Kernels kernels;
    private final int hidden;
    private final ExpertFfn ffn = new ExpertFfn();
    private float[] gathered = new float[0];
    private float[] result = new float[0];
    private int[] order = new int[0];

    public LocalExpertExecutor(ModelWeights weights, Kernels kernels, int hidden) {
        this.weights = weights;
        this.kernels = kernels;
        this.hidden = hidden;
    }

    @Override
    public void run(int layer, float[] x, int tokens, int[] experts, float[] out) {
        LayerWeights w = weights.layers().get(layer);
        int expertCount = w.expertGate().matrices();
        int assignments = experts.length;
        int k = assignments / tokens;
        // Counting sort of assignments by expert: a stable order, so rows keep token order within an expert.
        int[] start = new int[expertCount + 1];
        for (int e : experts) {
            start[e + 1]++;
        }
        for (int e = 0; e < expertCount; e++) {
            start[e + 1] += start[e];
        }
        if (order.length < assignments) {
            order = new int[assignments];
        }
        int[] fill = start.clone();
        for (int a = 0; a < assignments; a++) {
            order[fill[experts[a]]++] = a;
        }
        for (int e = 0; e < expertCount; e++) {
            int rows = start[e + 1] - start[e];
            if (rows == 0) {
                continue;
            }
            int need = rows * hidden;
            if (gathered.length < need) {
                gathered = new float[need];
                result = new float[need];
            }
            for (int r = 0; r < rows; r++) {
                int t = order[start[e] + r] / k;
                System.arraycopy(x, t * hidden, gathered, r * hidden, hidden);
            }
            ffn.apply(kernels, w.expertGate().matrix(e), w.expertUp().matrix(e), w.expertDown().matrix(e), gathered, rows, result);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(result, r * hidden, out, order[start[e] + r] * hidden, hidden);
            }
        }
    }
}
