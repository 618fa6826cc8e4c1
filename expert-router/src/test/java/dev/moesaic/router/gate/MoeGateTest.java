package dev.moesaic.router.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MoeGateTest {

    private static int[] experts(GateConfig c, float[] logits, float[] bias) {
        return route(c, logits, bias).experts();
    }

    private static ReferenceGate.Routing route(GateConfig c, float[] logits, float[] bias) {
        int[] experts = new int[c.expertsUsed()];
        float[] weights = new float[c.expertsUsed()];
        new MoeGate(c).route(logits, 0, bias, experts, weights, 0);
        return new ReferenceGate.Routing(experts, weights);
    }

    @Test
    void mixtralSoftmaxTopTwoIsRenormalised() {
        GateConfig c = GateConfig.ungrouped(4, 2, GatingFunction.SOFTMAX, true, 0f);
        ReferenceGate.Routing r = route(c, new float[] {1f, 2f, 3f, 4f}, null);
        assertThat(r.experts()).containsExactly(3, 2);
        double e4 = Math.exp(4);
        double e3 = Math.exp(3);
        assertThat(r.weights()[0]).isCloseTo((float) (e4 / (e4 + e3)), within(1e-6f));
        assertThat(r.weights()[1]).isCloseTo((float) (e3 / (e4 + e3)), within(1e-6f));
    }

    @Test
    void withoutNormalisationTheWeightsAreTheSoftmaxProbabilities() {
        GateConfig c = GateConfig.ungrouped(4, 2, GatingFunction.SOFTMAX, false, 1f);
        ReferenceGate.Routing r = route(c, new float[] {1f, 2f, 3f, 4f}, null);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4);
        assertThat(r.weights()[0]).isCloseTo((float) (Math.exp(4) / z), within(1e-6f));
        assertThat(r.weights()[1]).isCloseTo((float) (Math.exp(3) / z), within(1e-6f));
    }

    @Test
    void softmaxIsShiftInvariantAndSafeForLargeLogits() {
        GateConfig c = GateConfig.ungrouped(3, 3, GatingFunction.SOFTMAX, false, 0f);
        ReferenceGate.Routing big = route(c, new float[] {1000f, 999f, 998f}, null);
        ReferenceGate.Routing small = route(c, new float[] {2f, 1f, 0f}, null);
        assertThat(big.weights()).containsExactly(small.weights());
        assertThat(big.weights()[0]).isFinite();
    }

    @Test
    void equalScoresAreChosenLowerExpertIdFirst() {
        GateConfig c = GateConfig.ungrouped(6, 3, GatingFunction.SOFTMAX, true, 0f);
        assertThat(experts(c, new float[] {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, null)).containsExactly(0, 1, 2);
        assertThat(experts(c, new float[] {0f, 1f, 0f, 1f, 0f, 1f}, null)).containsExactly(1, 3, 5);
        assertThat(experts(c, new float[] {2f, 1f, 1f, 3f, 1f, 0f}, null)).containsExactly(3, 0, 1);
    }

    @Test
    void biasChangesTheChoiceButNeverTheWeights() {
        GateConfig c = GateConfig.ungrouped(4, 2, GatingFunction.SIGMOID, false, 0f);
        float[] logits = {0f, 1f, 2f, 0.5f};
        float[] bias = {1f, 0f, 0f, 0f};
        ReferenceGate.Routing unbiased = route(c, logits, null);
        ReferenceGate.Routing biased = route(c, logits, bias);
        assertThat(unbiased.experts()).containsExactly(2, 1);
        assertThat(biased.experts()).containsExactly(0, 2);
        // expert 0's weight is its plain sigmoid, not sigmoid + bias
        assertThat(biased.weights()[0]).isEqualTo(0.5f);
        assertThat(biased.weights()[1]).isEqualTo(unbiased.weights()[0]);
        assertThat(biased.weights()[1]).isCloseTo((float) (1 / (1 + Math.exp(-2))), within(1e-7f));
    }

    @Test
    void negativeBiasCanPushAnExpertOut() {
        GateConfig c = GateConfig.ungrouped(4, 1, GatingFunction.SOFTMAX, true, 0f);
        assertThat(experts(c, new float[] {3f, 2f, 1f, 0f}, new float[] {-1f, 0f, 0f, 0f})).containsExactly(1);
    }

    @Test
    void scaleAppliesAfterNormalisationAndZeroOrOneMeanNoScaling() {
        float[] logits = {0.3f, -1f, 2f, 0.7f, 1.1f, -0.2f};
        GateConfig plain = GateConfig.ungrouped(6, 3, GatingFunction.SIGMOID, true, 1f);
        GateConfig zero = GateConfig.ungrouped(6, 3, GatingFunction.SIGMOID, true, 0f);
        GateConfig scaled = GateConfig.ungrouped(6, 3, GatingFunction.SIGMOID, true, 2.5f);
        float[] w = route(plain, logits, null).weights();
        assertThat(route(zero, logits, null).weights()).containsExactly(w);
        float[] ws = route(scaled, logits, null).weights();
        float sum = 0;
        for (int i = 0; i < 3; i++) {
            assertThat(ws[i]).isEqualTo(w[i] * 2.5f);
            sum += ws[i];
        }
        assertThat(sum).isCloseTo(2.5f, within(1e-6f));
    }

    @Test
    void tinyWeightSumsAreClampedBeforeDividing() {
        GateConfig c = GateConfig.ungrouped(2, 2, GatingFunction.SIGMOID, true, 0f);
        ReferenceGate.Routing r = route(c, new float[] {-20f, -21f}, null);
        float p0 = 1f / (1f + (float) Math.exp(20f));
        assertThat(p0 + 1f / (1f + (float) Math.exp(21f))).isLessThan(6.103515625e-5f);
        assertThat(r.weights()[0]).isEqualTo(p0 / 6.103515625e-5f);
        assertThat(r.weights()[0] + r.weights()[1]).isLessThan(0.1f);
    }

    /** Selection scores 0.5 + bias (logits 0 give sigmoid exactly 0.5), in eighths so sums are exact. */
    private static float[] biasFor(float... selection) {
        float[] bias = new float[selection.length];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = selection[i] - 0.5f;
        }
        return bias;
    }

    // groups:                      g0 = 1.0        g1 = 1.5        g2 = 1.0          g3 = 1.125
    private static final float[] GROUPED = {1.0f, 0.0f, 0.75f, 0.75f, 0.875f, 0.125f, 0.625f, 0.5f};

    @Test
    void groupedTopKKeepsTheGroupsWithTheBestTopTwoSum() {
        GateConfig grouped = new GateConfig(8, 2, GatingFunction.SIGMOID, true, 0f, 4, 2);
        GateConfig flat = GateConfig.ungrouped(8, 2, GatingFunction.SIGMOID, true, 0f);
        float[] zeros = new float[8];
        // keeps g1 and g3: the single best expert (0) is in a weaker group and is masked out
        assertThat(experts(grouped, zeros, biasFor(GROUPED))).containsExactly(2, 3);
        assertThat(experts(flat, zeros, biasFor(GROUPED))).containsExactly(0, 4);
        float[] w = route(grouped, zeros, biasFor(GROUPED)).weights();
        assertThat(w).containsExactly(0.5f, 0.5f);
    }

    @Test
    void groupsWithEqualScoresAreKeptLowerGroupIdFirst() {
        GateConfig keepThree = new GateConfig(8, 3, GatingFunction.SIGMOID, false, 0f, 4, 3);
        // g0 and g2 tie at 1.0 for the third place: g0 wins, so expert 4 (0.875, in g2) is masked
        assertThat(experts(keepThree, new float[8], biasFor(GROUPED))).containsExactly(0, 2, 3);
    }

    @Test
    void aGroupScoreCountsItsSecondExpertEvenWhenTiedWithTheFirst() {
        GateConfig c = new GateConfig(6, 1, GatingFunction.SIGMOID, false, 0f, 3, 1);
        // g0 = 0.75+0.75 = 1.5 beats g1 = 1.0+0.25 = 1.25 although g1 holds the best expert
        float[] sel = {0.75f, 0.75f, 1.0f, 0.25f, 0.5f, 0.5f};
        assertThat(experts(c, new float[6], biasFor(sel))).containsExactly(0);
    }

    @Test
    void matchesTheReferenceGateOnRandomInputsWithManyTies() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 3000; trial++) {
            GateConfig c = randomConfig(rnd);
            int n = c.expertCount();
            float[] logits = new float[n];
            // quantised logits make equal scores common
            int levels = 1 + rnd.nextInt(6);
            for (int e = 0; e < n; e++) {
                logits[e] = rnd.nextInt(levels) * 0.5f - 1f;
            }
            float[] bias = null;
            if (rnd.nextBoolean()) {
                bias = new float[n];
                for (int e = 0; e < n; e++) {
                    bias[e] = rnd.nextInt(3) * 0.125f - 0.125f;
                }
            }
            ReferenceGate.Routing expected = ReferenceGate.route(c, logits, bias);
            ReferenceGate.Routing actual = route(c, logits, bias);
            assertThat(actual.experts()).as("%s logits %s bias %s", c, Arrays.toString(logits), Arrays.toString(bias))
                    .containsExactly(expected.experts());
            assertThat(actual.weights()).containsExactly(expected.weights());
        }
    }

    @Test
    void routeAllRoutesEveryRowLikeRoute() {
        GateConfig c = new GateConfig(16, 4, GatingFunction.SIGMOID, true, 2.5f, 4, 2);
        MoeGate gate = new MoeGate(c);
        SplittableRandom rnd = new SplittableRandom(9);
        int tokens = 37;
        float[] logits = new float[tokens * 16];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) rnd.nextGaussian();
        }
        int[] experts = new int[tokens * 4];
        float[] weights = new float[tokens * 4];
        gate.routeAll(logits, tokens, null, experts, weights);
        for (int t = 0; t < tokens; t++) {
            ReferenceGate.Routing r = ReferenceGate.route(c, Arrays.copyOfRange(logits, t * 16, t * 16 + 16), null);
            assertThat(Arrays.copyOfRange(experts, t * 4, t * 4 + 4)).containsExactly(r.experts());
            assertThat(Arrays.copyOfRange(weights, t * 4, t * 4 + 4)).containsExactly(r.weights());
        }
    }

    @Test
    void oneGateServesManyThreadsWithoutSharingScratch() {
        GateConfig c = GateConfig.ungrouped(64, 8, GatingFunction.SOFTMAX, true, 0f);
        MoeGate gate = new MoeGate(c);
        int tokens = 2000;
        float[] logits = new float[tokens * 64];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) rnd.nextGaussian();
        }
        int[] serial = new int[tokens * 8];
        float[] serialW = new float[tokens * 8];
        gate.routeAll(logits, tokens, null, serial, serialW);
        int[] parallel = new int[tokens * 8];
        float[] parallelW = new float[tokens * 8];
        IntStream.range(0, tokens).parallel().forEach(t -> gate.route(logits, t * 64, null, parallel, parallelW, t * 8));
        assertThat(parallel).containsExactly(serial);
        assertThat(parallelW).containsExactly(serialW);
    }

    @Test
    void rejectsNaNAndWrongSizesWithAMessageNamingTheInput() {
        MoeGate gate = new MoeGate(GateConfig.ungrouped(4, 2, GatingFunction.SOFTMAX, true, 0f));
        int[] e = new int[2];
        float[] w = new float[2];
        assertThatThrownBy(() -> gate.route(new float[] {0f, Float.NaN, 0f, 0f}, 0, null, e, w, 0))
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> gate.route(new float[3], 0, null, e, w, 0)).hasMessageContaining("logits[0");
        assertThatThrownBy(() -> gate.route(new float[4], 0, new float[3], e, w, 0))
                .hasMessageContaining("selectionBias has length 3");
        assertThatThrownBy(() -> gate.route(new float[4], 0, null, e, w, 1)).hasMessageContaining("output range");
    }

    @Test
    void rejectsInconsistentConfigs() {
        assertThatThrownBy(() -> GateConfig.ungrouped(4, 5, GatingFunction.SOFTMAX, true, 0f))
                .hasMessageContaining("expertsUsed must be in [1, expertCount=4]");
        assertThatThrownBy(() -> new GateConfig(10, 2, GatingFunction.SIGMOID, true, 0f, 4, 2))
                .hasMessageContaining("not divisible");
        assertThatThrownBy(() -> new GateConfig(4, 1, GatingFunction.SIGMOID, true, 0f, 4, 2))
                .hasMessageContaining("at least 2 experts per group");
        assertThatThrownBy(() -> new GateConfig(16, 5, GatingFunction.SIGMOID, true, 0f, 4, 1))
                .hasMessageContaining("cannot supply");
        assertThatThrownBy(() -> new GateConfig(16, 2, GatingFunction.SIGMOID, true, 0f, 1, 2))
                .hasMessageContaining("groupsUsed <= groupCount");
        assertThatThrownBy(() -> GateConfig.ungrouped(4, 2, GatingFunction.SIGMOID, true, Float.NaN))
                .hasMessageContaining("weightsScale must be finite");
        assertThatThrownBy(() -> GateConfig.ungrouped(4, 2, null, true, 0f)).hasMessageContaining("gating function");
    }

    private static GateConfig randomConfig(SplittableRandom rnd) {
        GatingFunction f = rnd.nextBoolean() ? GatingFunction.SOFTMAX : GatingFunction.SIGMOID;
        boolean norm = rnd.nextBoolean();
        float scale = switch (rnd.nextInt(3)) {
            case 0 -> 0f;
            case 1 -> 1f;
            default -> 2.5f;
        };
        if (rnd.nextBoolean()) {
            int groups = 2 + rnd.nextInt(7);
            int size = 2 + rnd.nextInt(5);
            int used = 1 + rnd.nextInt(groups);
            int k = 1 + rnd.nextInt(used * size);
            return new GateConfig(groups * size, k, f, norm, scale, groups, used);
        }
        int n = 1 + rnd.nextInt(64);
        return GateConfig.ungrouped(n, 1 + rnd.nextInt(n), f, norm, scale);
    }
}
