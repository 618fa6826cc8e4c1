package dev.moesaic.engine.forward;

import dev.moesaic.engine.kernel.AttentionShape;
import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.kernel.PagedKv;
import dev.moesaic.engine.kernel.VectorKernels;
import dev.moesaic.engine.model.LayerWeights;
import dev.moesaic.engine.model.ModelConfig;
import dev.moesaic.engine.model.ModelWeights;
import dev.moesaic.router.gate.MoeGate;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The forward pass shared by every supported architecture, over a batch of tokens from many
 * sequences. Per layer: RMSNorm -> Q/K/V (+bias, +QK-norm) -> RoPE -> write K/V to the paged cache
 * -> causal attention -> output projection -> residual -> RMSNorm -> dense FFN or MoE (router, top-k,
 * experts, weighted combine, shared expert) -> residual. Then the final norm and the LM head.
 *
 * <p>With {@link VectorKernels} attention runs vectorised on their lane ({@link dev.moesaic.engine.kernel.Attention},
 * parallel over the batch's (token, head) pairs); with the reference kernels it runs the plain scalar
 * {@link Attention}, the slow twin. Either way a token's result depends only on its own sequence.
 *
 * <p>Not thread-safe: one engine loop drives one instance; the kernels parallelise inside a matmul.
 */
public final class Transformer {
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Kernels kernels;
    private final ExpertExecutor experts;
    private final MoeGate[] gates;
    private final float[][] attnNorm, ffnNorm, bq, bk, bv, qNorm, kNorm, selectionBias;
    private final float[] outputNorm;
    private final ExpertFfn denseFfn = new ExpertFfn();
    private final Workspace ws = new Workspace();
    /** Vectorised attention on the kernels' lane, or null for the scalar twin. */
    private final dev.moesaic.engine.kernel.Attention fastAttention;
    private final AttentionShape attentionShape;
    private final Tensor[] qkv = new Tensor[3];
    private final float[][] qkvOut = new float[3][];
    private volatile float[][] selectionBiasOverride;

    public Transformer(ModelConfig config, ModelWeights weights, Kernels kernels, ExpertExecutor experts) {
        this.config = config;
        this.weights = weights;
        this.kernels = kernels;
        this.experts = experts;
        int n = config.layers();
        gates = new MoeGate[n];
        attnNorm = new float[n][];
        ffnNorm = new float[n][];
        bq = new float[n][];
        bk = new float[n][];
        bv = new float[n][];
        qNorm = new float[n][];
        kNorm = new float[n][];
        selectionBias = new float[n][];
        for (int l = 0; l < n; l++) {
            LayerWeights w = weights.layers().get(l);
            attnNorm[l] = Ops.toFloats(w.attnNorm());
            ffnNorm[l] = Ops.toFloats(w.ffnNorm());
            bq[l] = Ops.toFloats(w.bq());
            bk[l] = Ops.toFloats(w.bk());
            bv[l] = Ops.toFloats(w.bv());
            qNorm[l] = Ops.toFloats(w.qNorm());
            kNorm[l] = Ops.toFloats(w.kNorm());
            selectionBias[l] = w.selectionBias();
            if (w.isMoe()) {
                gates[l] = new MoeGate(config.gate());
            }
        }
        outputNorm = Ops.toFloats(weights.outputNorm());
        attentionShape = AttentionShape.of(config.heads(), config.kvHeads(), config.headDim());
        // the paged kernel keeps keys and values in slots of one width, so it needs valueDim == headDim
        fastAttention = kernels instanceof VectorKernels vk && config.valueDim() == config.headDim()
                ? new dev.moesaic.engine.kernel.Attention(vk.lane()) : null;
    }

    /** A single-device transformer whose experts are read from the model weights. */
    public static Transformer local(ModelConfig config, ModelWeights weights, Kernels kernels) {
        return new Transformer(config, weights, kernels, new LocalExpertExecutor(weights, kernels, config.hidden()));
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    /**
     * Serving-time selection biases added on top of the model's own (null to route exactly as the
     * model does). One array per layer, length = experts; only selection changes, never the weights.
     */
    public void setSelectionBiasOverride(float[][] biases) {
        this.selectionBiasOverride = biases;
    }

    /** Observer of each MoE layer's routing decisions (load statistics); may be null. */
    public interface RoutingObserver {
        void routed(int layer, int[] experts, int tokens);
    }

    private RoutingObserver routingObserver;

    public void setRoutingObserver(RoutingObserver observer) {
        this.routingObserver = observer;
    }

    /**
     * Runs the batch, writing K/V of every token into its sequence's KV storage and the logits of
     * {@code batch.logitRows()} into {@code logits} (row after row, vocabSize each).
     */
    public void forward(ForwardBatch batch, float[] logits) {
        ModelConfig c = config;
        int t = batch.size();
        int hidden = c.hidden();
        ws.ensure(c, t, maxPosition(batch) + 1);
        float[] x = ws.x;
        float[] xb = ws.xb;

        int ropeDims = c.ropeDims();
        for (int i = 0; i < t; i++) {
            Ops.ropeAngles(batch.positions()[i], ropeDims, c.ropeBase(), ws.rope, i * ropeDims);
        }

        // ---- token embeddings
        for (int i = 0; i < t; i++) {
            int token = batch.tokens()[i];
            if (token < 0 || token >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
            kernels.dequantizeRow(weights.tokenEmbedding(), token, x, i * hidden);
        }

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = weights.layers().get(l);
            attentionBlock(l, w, batch, t);
            // ---- feed-forward with residual
            for (int i = 0; i < t; i++) {
                Ops.rmsNorm(x, i * hidden, ffnNorm[l], c.rmsEps(), xb, i * hidden, hidden);
            }
            if (w.isMoe()) {
                moe(l, w, t);
            } else {
                denseFfn.apply(kernels, w.ffnGate(), w.ffnUp(), w.ffnDown(), xb, t, ws.ffnOut);
            }
            for (int i = 0; i < t * hidden; i++) {
                x[i] += ws.ffnOut[i];
            }
        }

        // ---- final norm and LM head, only for the rows that want logits
        int[] rows = batch.logitRows();
        for (int r = 0; r < rows.length; r++) {
            Ops.rmsNorm(x, rows[r] * hidden, outputNorm, c.rmsEps(), xb, r * hidden, hidden);
        }
        if (rows.length > 0) {
            kernels.matmul(weights.output(), xb, rows.length, logits);
        }
    }

    private void attentionBlock(int l, LayerWeights w, ForwardBatch batch, int t) {
        ModelConfig c = config;
        int hidden = c.hidden();
        float[] x = ws.x;
        float[] xb = ws.xb;
        for (int i = 0; i < t; i++) {
            Ops.rmsNorm(x, i * hidden, attnNorm[l], c.rmsEps(), xb, i * hidden, hidden);
        }
        qkv[0] = w.wq();
        qkv[1] = w.wk();
        qkv[2] = w.wv();
        qkvOut[0] = ws.q;
        qkvOut[1] = ws.k;
        qkvOut[2] = ws.v;
        kernels.matmulEach(qkv, xb, t, qkvOut);
        if (bq[l] != null) {
            Ops.addBias(ws.q, t, bq[l]);
        }
        if (bk[l] != null) {
            Ops.addBias(ws.k, t, bk[l]);
        }
        if (bv[l] != null) {
            Ops.addBias(ws.v, t, bv[l]);
        }
        int hd = c.headDim();
        int ropeDims = c.ropeDims();
        for (int i = 0; i < t; i++) {
            int angles = i * ropeDims;
            for (int h = 0; h < c.heads(); h++) {
                int off = i * c.queryDim() + h * hd;
                if (qNorm[l] != null) {
                    Ops.rmsNorm(ws.q, off, qNorm[l], c.rmsEps(), ws.q, off, hd);
                }
                Ops.rope(ws.q, off, ws.rope, angles, ropeDims, c.ropeStyle());
            }
            for (int h = 0; h < c.kvHeads(); h++) {
                int off = i * c.keyDim() + h * hd;
                if (kNorm[l] != null) {
                    Ops.rmsNorm(ws.k, off, kNorm[l], c.rmsEps(), ws.k, off, hd);
                }
                Ops.rope(ws.k, off, ws.rope, angles, ropeDims, c.ropeStyle());
            }
        }
        // ---- write this batch's keys and values, then attend (a sequence's later tokens see its earlier ones)
        for (int i = 0; i < t; i++) {
            int s = batch.sequenceOf()[i];
            int[] table = batch.blockTables()[s];
            KvLayout layout = batch.kv()[s].layout();
            MemorySegment mem = batch.kv()[s].memory();
            int pos = batch.positions()[i];
            MemorySegment.copy(ws.k, i * c.keyDim(), mem, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED,
                    layout.keyOffset(table, l, pos), c.keyDim());
            MemorySegment.copy(ws.v, i * c.kvValueDim(), mem, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED,
                    layout.valueOffset(table, l, pos), c.kvValueDim());
        }
        if (fastAttention != null) {
            fastAttention.batch(ws.q, t, batch.positions(), pagedKv(batch, l, t), attentionShape, ws.attn);
        } else {
            int attnDim = c.heads() * c.valueDim();
            for (int i = 0; i < t; i++) {
                int s = batch.sequenceOf()[i];
                int[] table = batch.blockTables()[s];
                Attention.attend(ws.q, i * c.queryDim(), batch.positions()[i], table, batch.kv()[s].layout(), batch.kv()[s].memory(), l,
                        c.heads(), c.kvHeads(),
                        hd, c.valueDim(), ws.attn, i * attnDim, ws.scores);
            }
        }
        kernels.matmul(w.wo(), ws.attn, t, ws.ffnOut);
        for (int i = 0; i < t * hidden; i++) {
            x[i] += ws.ffnOut[i];
        }
    }

    /** Each batch row's view of layer {@code l} of its sequence's paged cache. */
    private PagedKv[] pagedKv(ForwardBatch batch, int l, int t) {
        int sequences = batch.blockTables().length;
        PagedKv[] bySequence = new PagedKv[sequences];
        if (ws.kvOfRow.length < t) {
            ws.kvOfRow = new PagedKv[t];
        }
        for (int i = 0; i < t; i++) {
            int s = batch.sequenceOf()[i];
            if (bySequence[s] == null) {
                KvLayout layout = batch.kv()[s].layout();
                long keys = l * layout.layerBytes();
                long values = keys + (long) layout.blockSize() * layout.keyDim() * Float.BYTES;
                bySequence[s] = new PagedKv(batch.kv()[s].memory(), batch.blockTables()[s], layout.blockSize(),
                        layout.blockBytes(), keys, values, layout.keyDim());
            }
            ws.kvOfRow[i] = bySequence[s];
        }
        return ws.kvOfRow;
    }

    private void moe(int l, LayerWeights w, int t) {
        ModelConfig c = config;
        int hidden = c.hidden();
        int k = c.expertsUsed();
        int e = c.experts();
        kernels.matmul(w.router(), ws.xb, t, ws.routerLogits);
        float[][] override = selectionBiasOverride;
        float[] bias = combinedBias(selectionBias[l], override == null ? null : override[l]);
        if (ws.chosen.length != t * k) {
            ws.chosen = new int[t * k]; // exactly t * k: executors read the top-k from the length
        }
        int[] chosen = ws.chosen;
        float[] chosenWeights = ws.expertWeights;
        for (int i = 0; i < t; i++) {
            gates[l].route(ws.routerLogits, i * e, bias, chosen, chosenWeights, i * k);
        }
        if (routingObserver != null) {
            routingObserver.routed(l, chosen, t);
        }
        experts.run(l, ws.xb, t, chosen, ws.expertOut);
        // combine in a fixed order (j = 0..k-1), like llama.cpp: out = sum_j w_j * expert_j(x)
        float[] out = ws.ffnOut;
        for (int i = 0; i < t; i++) {
            int o = i * hidden;
            for (int h = 0; h < hidden; h++) {
                out[o + h] = 0f;
            }
            for (int j = 0; j < k; j++) {
                float wj = chosenWeights[i * k + j];
                int src = (i * k + j) * hidden;
                for (int h = 0; h < hidden; h++) {
                    out[o + h] += ws.expertOut[src + h] * wj;
                }
            }
        }
        if (w.hasSharedExpert()) {
            denseFfn.apply(kernels, w.sharedGate(), w.sharedUp(), w.sharedDown(), ws.xb, t, ws.sharedOut);
            for (int i = 0; i < t * hidden; i++) {
                out[i] += ws.sharedOut[i];
            }
        }
    }

    private static float[] combinedBias(float[] model, float[] serving) {
        if (serving == null) {
            return model;
        }
        if (model == null) {
            return serving;
        }
        float[] sum = new float[model.length];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = model[i] + serving[i];
        }
        return sum;
    }

    private static int maxPosition(ForwardBatch b) {
        int max = 0;
        for (int p : b.positions()) {
            if (p < 0) {
                throw new IllegalArgumentException("negative position " + p);
            }
            max = Math.max(max, p);
        }
        return max;
    }

    /** Scratch arrays sized for the largest batch seen so far. */
    private static final class Workspace {
        float[] x = new float[0], xb, q, k, v, attn, ffnOut, sharedOut, routerLogits, expertWeights, expertOut, scores, rope;
        int[] chosen = new int[0];
        PagedKv[] kvOfRow = new PagedKv[0];
        int tokens = -1;
        int positions = -1;

        void ensure(ModelConfig c, int t, int maxPositions) {
            if (t > tokens) {
                tokens = Math.max(t, 1);
                int h = c.hidden();
                x = new float[t * h];
                xb = new float[t * h];
                q = new float[t * c.queryDim()];
                k = new float[t * c.keyDim()];
                v = new float[t * c.kvValueDim()];
                attn = new float[t * c.heads() * c.valueDim()];
                ffnOut = new float[t * h];
                sharedOut = new float[t * h];
                routerLogits = new float[t * Math.max(c.experts(), 1)];
                expertWeights = new float[t * Math.max(c.expertsUsed(), 1)];
                expertOut = new float[t * Math.max(c.expertsUsed(), 1) * h];
                rope = new float[t * c.ropeDims()];
            }
            if (maxPositions > positions) {
                positions = maxPositions;
                scores = new float[maxPositions];
            }
        }
    }
}
