package dev.moesaic.engine.forward;

import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.model.LayerWeights;
import dev.moesaic.engine.model.ModelWeights;
import dev.moesaic.engine.tensor.Tensor;

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
    private int[] start = new int[0];
    private int[] fill = new int[0];
    /** Per layer, the experts' gate/up/down matrix views (made once: decode would otherwise slice per call). */
    private final Tensor[][] matrices;

    public LocalExpertExecutor(ModelWeights weights, Kernels kernels, int hidden) {
        this.weights = weights;
        this.kernels = kernels;
        this.hidden = hidden;
        this.matrices = new Tensor[weights.layers().size()][];
    }

    private Tensor[] matricesOf(int layer, LayerWeights w) {
        Tensor[] m = matrices[layer];
        if (m == null) {
            int n = w.expertGate().matrices();
            m = new Tensor[3 * n];
            for (int e = 0; e < n; e++) {
                m[3 * e] = w.expertGate().matrix(e);
                m[3 * e + 1] = w.expertUp().matrix(e);
                m[3 * e + 2] = w.expertDown().matrix(e);
            }
            matrices[layer] = m;
        }
        return m;
    }

    @Override
    public void run(int layer, float[] x, int tokens, int[] experts, float[] out) {
        LayerWeights w = weights.layers().get(layer);
        Tensor[] mats = matricesOf(layer, w);
        int expertCount = w.expertGate().matrices();
        int assignments = experts.length;
        int k = assignments / tokens;
        // Counting sort of assignments by expert: a stable order, so rows keep token order within an expert.
        if (start.length < expertCount + 1) {
            start = new int[expertCount + 1];
            fill = new int[expertCount + 1];
        }
        java.util.Arrays.fill(start, 0, expertCount + 1, 0);
        for (int e : experts) {
            start[e + 1]++;
        }
        for (int e = 0; e < expertCount; e++) {
            start[e + 1] += start[e];
        }
        if (order.length < assignments) {
            order = new int[assignments];
        }
        System.arraycopy(start, 0, fill, 0, expertCount + 1);
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
            ffn.apply(kernels, mats[3 * e], mats[3 * e + 1], mats[3 * e + 2], gathered, rows, result);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(result, r * hidden, out, order[start[e] + r] * hidden, hidden);
            }
        }
    }
}
