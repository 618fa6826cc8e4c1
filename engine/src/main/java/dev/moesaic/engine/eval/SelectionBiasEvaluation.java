package dev.moesaic.engine.eval;

import dev.moesaic.engine.forward.ArenaKvStorage;
import dev.moesaic.engine.forward.ForwardBatch;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.sampler.Sampler;
import dev.moesaic.router.balance.SelectionBiasBalancer;
import dev.moesaic.router.stats.MaxVio;
import java.util.Arrays;

/**
 * What serving-time ALF-LB on the model's own routing costs in output quality: the same tokens are
 * run with exact routing and with online selection biases (updated after every iteration, as a
 * server would), and the next-token distributions are compared position by position.
 *
 * @param top1Agreement fraction of positions whose most likely next token is the same
 * @param meanKl        mean KL(exact || biased) of the next-token distributions, in nats
 * @param maxKl         the largest per-position KL
 * @param expertMaxVioExact   mean per-iteration MaxVio of expert loads with exact routing
 * @param expertMaxVioBiased  the same with selection biases
 */
public record SelectionBiasEvaluation(String model, int positions, int tokensPerIteration, float step, float cap,
                                      double top1Agreement, double meanKl, double maxKl, double expertMaxVioExact,
                                      double expertMaxVioBiased) {

    /** Evaluates {@code tokens} (a prompt and its continuation) in iterations of {@code chunk} tokens. */
    public static SelectionBiasEvaluation run(LoadedModel model, Kernels kernels, int[] tokens, int chunk,
                                              SelectionBiasBalancer.Config config) {
        int moeLayers = (int) model.weights().layers().stream().filter(l -> l.isMoe()).count();
        int[] moeIndex = new int[model.config().layers()];
        int[] layerOf = new int[moeLayers];
        for (int l = 0, m = 0; l < moeIndex.length; l++) {
            moeIndex[l] = model.weights().layers().get(l).isMoe() ? m : -1;
            if (moeIndex[l] >= 0) {
                layerOf[m++] = l;
            }
        }
        LoadRecorder exact = new LoadRecorder(moeIndex, model.config().experts(), null);
        float[][] exactLogits = logits(model, kernels, tokens, chunk, exact, null, layerOf);
        SelectionBiasBalancer balancer = new SelectionBiasBalancer(moeLayers, model.config().experts(), config);
        LoadRecorder biased = new LoadRecorder(moeIndex, model.config().experts(), balancer);
        float[][] biasedLogits = logits(model, kernels, tokens, chunk, biased, balancer, layerOf);

        int vocab = model.config().vocabSize();
        int agree = 0;
        double klSum = 0;
        double klMax = 0;
        float[] p = new float[vocab];
        float[] q = new float[vocab];
        for (int i = 0; i < tokens.length; i++) {
            if (Sampler.argmax(exactLogits[i], 0, vocab) == Sampler.argmax(biasedLogits[i], 0, vocab)) {
                agree++;
            }
            Sampler.logSoftmax(exactLogits[i], 0, vocab, p);
            Sampler.logSoftmax(biasedLogits[i], 0, vocab, q);
            double kl = 0;
            for (int v = 0; v < vocab; v++) {
                kl += Math.exp(p[v]) * (p[v] - q[v]);
            }
            klSum += kl;
            klMax = Math.max(klMax, kl);
        }
        return new SelectionBiasEvaluation(model.id(), tokens.length, chunk, config.step(), config.cap(), agree / (double) tokens.length,
                klSum / tokens.length, klMax, exact.meanMaxVio(), biased.meanMaxVio());
    }

    private static float[][] logits(LoadedModel model, Kernels kernels, int[] tokens, int chunk, LoadRecorder recorder,
                                    SelectionBiasBalancer balancer, int[] layerOf) {
        Transformer t = Transformer.local(model.config(), model.weights(), kernels);
        t.setRoutingObserver(recorder);
        int vocab = model.config().vocabSize();
        float[][] out = new float[tokens.length][];
        try (ArenaKvStorage kv = ArenaKvStorage.forTokens(model.kvLayout(16), tokens.length)) {
            int[] table = kv.identityTable();
            for (int start = 0; start < tokens.length; start += chunk) {
                int n = Math.min(chunk, tokens.length - start);
                if (balancer != null) {
                    float[][] override = new float[model.config().layers()][];
                    for (int m = 0; m < layerOf.length; m++) {
                        override[layerOf[m]] = balancer.bias(m);
                    }
                    t.setSelectionBiasOverride(override);
                }
                float[] flat = new float[n * vocab];
                t.forward(ForwardBatch.ofSequence(Arrays.copyOfRange(tokens, start, start + n), start, table, kv, true), flat);
                for (int i = 0; i < n; i++) {
                    out[start + i] = Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
                }
                recorder.endIteration();
            }
        }
        return out;
    }

    /** Counts routed tokens per expert each iteration, feeds the balancer, and keeps MaxVio per iteration and layer. */
    private static final class LoadRecorder implements Transformer.RoutingObserver {
        private final int[] moeIndex;
        private final int[][] counts;
        private final SelectionBiasBalancer balancer;
        private double maxVioSum;
        private int samples;

        LoadRecorder(int[] moeIndex, int experts, SelectionBiasBalancer balancer) {
            this.moeIndex = moeIndex;
            this.balancer = balancer;
            int layers = (int) Arrays.stream(moeIndex).filter(m -> m >= 0).count();
            this.counts = new int[layers][experts];
        }

        @Override
        public void routed(int layer, int[] experts, int tokens) {
            int m = moeIndex[layer];
            for (int e : experts) {
                counts[m][e]++;
            }
        }

        void endIteration() {
            for (int m = 0; m < counts.length; m++) {
                maxVioSum += MaxVio.of(counts[m]);
                samples++;
                if (balancer != null) {
                    balancer.update(m, counts[m]);
                }
                Arrays.fill(counts[m], 0);
            }
        }

        double meanMaxVio() {
            return samples == 0 ? 0 : maxVioSum / samples;
        }
    }
}
