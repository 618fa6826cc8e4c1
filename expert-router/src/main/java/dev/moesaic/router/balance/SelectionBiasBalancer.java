package dev.moesaic.router.balance;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Serving-time ALF-LB on the model's own routing (off by default): per layer and expert an online
 * bias that {@code MoeGate} adds to the selection scores only (the weights stay the model's). After
 * each iteration {@code b_i <- clamp(b_i + u * sign(mean_count - count_i), -cap, cap)}. Unlike replica
 * balancing this <b>changes which experts run</b>, so outputs can differ from exact routing; the cap
 * bounds how far a choice can be pushed. Biases are in the units of the gate's probabilities
 * (softmax or sigmoid outputs in [0, 1]).
 *
 * <p>Thread-safe: each update publishes a fresh array, so a reader never sees a half-updated bias.
 */
public final class SelectionBiasBalancer {
    /**
     * @param enabled whether biases are applied at all ({@link #bias} returns null when not)
     * @param step    u, the change per iteration
     * @param cap     the largest |b| allowed
     */
    public record Config(boolean enabled, float step, float cap) {
        public static final Config DISABLED = new Config(false, 0.001f, 0.05f);

        public Config {
            if (!(step >= 0) || !(cap >= 0) || Float.isInfinite(step) || Float.isInfinite(cap)) {
                throw new IllegalArgumentException("step and cap must be finite and >= 0, got " + step + " and " + cap);
            }
        }

        public static Config enabled(float step, float cap) {
            return new Config(true, step, cap);
        }
    }

    private final Config config;
    private final int experts;
    private final AtomicReferenceArray<float[]> biases;

    public SelectionBiasBalancer(int layers, int experts, Config config) {
        if (layers < 1 || experts < 1) {
            throw new IllegalArgumentException("need >= 1 layer and >= 1 expert, got " + layers + " and " + experts);
        }
        this.config = config;
        this.experts = experts;
        this.biases = new AtomicReferenceArray<>(layers);
        for (int l = 0; l < layers; l++) {
            biases.set(l, new float[experts]);
        }
    }

    public Config config() {
        return config;
    }

    /** The selection bias to pass to {@code MoeGate.route}, or null when disabled. Do not modify it. */
    public float[] bias(int layer) {
        return config.enabled() ? biases.get(layer) : null;
    }

    /** A copy of a layer's biases (also when disabled, for inspection). */
    public float[] biasCopy(int layer) {
        return biases.get(layer).clone();
    }

    /** One iteration's update from the routed token count per expert of the layer. */
    public void update(int layer, int[] expertCounts) {
        if (expertCounts.length != experts) {
            throw new IllegalArgumentException("expertCounts has " + expertCounts.length + " entries, the layer has "
                    + experts + " experts");
        }
        if (!config.enabled()) {
            return;
        }
        long total = 0;
        for (int c : expertCounts) {
            total += c;
        }
        if (total == 0) {
            return;
        }
        double mean = (double) total / experts;
        float[] next = biases.get(layer).clone();
        float cap = config.cap();
        for (int e = 0; e < experts; e++) {
            float b = next[e] + config.step() * (float) Math.signum(mean - expertCounts[e]);
            next[e] = Math.max(-cap, Math.min(cap, b));
        }
        biases.set(layer, next);
    }

    /** {@link #update} from the gate's output {@code experts[0..count)} (expert ids, T*K of them). */
    public void updateFromRouting(int layer, int[] routedExperts, int count) {
        int[] counts = new int[experts];
        for (int i = 0; i < count; i++) {
            counts[routedExperts[i]]++;
        }
        update(layer, counts);
    }
}
