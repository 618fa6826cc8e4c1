package dev.moesaic.router.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.moesaic.router.placement.Placement;
import dev.moesaic.router.placement.Placements;
import dev.moesaic.router.stats.MaxVio;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AlfBalancerTest {

    private static int[] skewedRouting(SplittableRandom rnd, int count, int experts) {
        int[] e = new int[count];
        for (int i = 0; i < count; i++) {
            // expert 0 takes about half of the traffic
            e[i] = rnd.nextBoolean() ? 0 : rnd.nextInt(experts);
        }
        return e;
    }

    @Test
    void matchesTheReferenceOverManyIterations() {
        SplittableRandom rnd = new SplittableRandom(21);
        Placement placement = Placements.random(3, 12, 4, 5, 8, 99);
        AlfBalancer fast = new AlfBalancer(0.01, 0.05);
        ReferenceAlf slow = new ReferenceAlf(0.01, 0.05);
        int[] chosen = new int[600];
        int[] loads = new int[4];
        for (int it = 0; it < 40; it++) {
            for (int layer = 0; layer < 3; layer++) {
                int count = 1 + rnd.nextInt(600);
                int[] experts = skewedRouting(rnd, count, 12);
                fast.choose(placement, layer, experts, count, chosen, loads);
                int[] expected = slow.choose(placement, layer, experts, count);
                for (int i = 0; i < count; i++) {
                    assertThat(chosen[i]).as("iteration %d layer %d assignment %d", it, layer, i).isEqualTo(expected[i]);
                }
                for (int g = 0; g < 20; g++) {
                    assertThat(fast.price(layer, g)).isCloseTo(slow.price(layer, g), within(1e-12));
                }
            }
        }
    }

    @Test
    void spreadsAHotReplicatedExpertBetterThanRoundRobin() {
        // expert 0 has a replica on every device; the others live on one device each
        int[] table = {0, 1, 2, 0, 3, 4, 0, 5, 6, 0, 7, -1};
        Placement placement = Placement.of(0, 4, 3, 8, new int[][] {table});
        SplittableRandom rnd = new SplittableRandom(22);
        AlfBalancer alf = new AlfBalancer();
        RoundRobinReplicas rr = new RoundRobinReplicas();
        int[] chosen = new int[1024];
        int[] loads = new int[4];
        double alfVio = 0;
        double rrVio = 0;
        for (int it = 0; it < 50; it++) {
            int[] experts = skewedRouting(rnd, 1024, 8);
            alf.choose(placement, 0, experts, 1024, chosen, loads);
            alfVio += MaxVio.of(loads, 4);
            rr.choose(placement, 0, experts, 1024, chosen, loads);
            rrVio += MaxVio.of(loads, 4);
        }
        assertThat(alfVio / 50).isLessThan(0.01);
        assertThat(rrVio / 50).isGreaterThan(alfVio / 50 + 0.02);
    }

    @Test
    void pricesMoveByOneStepTowardsTheMeanAndStopAtTheCap() {
        // expert 0 on devices 0 and 1; expert 1 only on device 0
        Placement placement = Placement.of(0, 2, 2, 2, new int[][] {{0, 1, 0, -1}});
        AlfBalancer alf = new AlfBalancer(0.25, 0.6);
        int[] chosen = new int[4];
        int[] loads = new int[2];
        // three tokens for expert 1 (device 0), one for expert 0: it goes to device 1
        alf.choose(placement, 0, new int[] {1, 1, 1, 0}, 4, chosen, loads);
        assertThat(chosen).containsExactly(1, 1, 1, 2);
        assertThat(loads).containsExactly(3, 1);
        assertThat(alf.price(0, 0)).isEqualTo(-0.25);
        assertThat(alf.price(0, 2)).isEqualTo(0.25);
        for (int i = 0; i < 5; i++) {
            alf.choose(placement, 0, new int[] {1, 1, 1, 0}, 4, chosen, loads);
        }
        assertThat(alf.price(0, 0)).isEqualTo(-0.6);
        assertThat(alf.price(0, 2)).isEqualTo(0.6);
    }

    @Test
    void aNewEpochKeepsThePricesOfUnchangedSlotsOnly() {
        Placement before = Placement.of(0, 2, 2, 2, new int[][] {{0, 1, 0, -1}});
        Placement after = Placement.of(1, 2, 2, 2, new int[][] {{0, 1, 1, 0}});
        AlfBalancer alf = new AlfBalancer(0.25, 1);
        int[] chosen = new int[4];
        int[] loads = new int[2];
        alf.choose(before, 0, new int[] {1, 1, 1, 0}, 4, chosen, loads);
        double slot0 = alf.price(0, 0);
        alf.choose(after, 0, new int[0], 0, chosen, loads);
        assertThat(alf.price(0, 0)).isEqualTo(slot0);
        assertThat(alf.price(0, 2)).isZero();
    }

    @Test
    void sameInputsGiveSameChoices() {
        Placement placement = Placements.random(1, 16, 4, 6, 8, 5);
        AlfBalancer a = new AlfBalancer();
        AlfBalancer b = new AlfBalancer();
        SplittableRandom rnd = new SplittableRandom(1);
        int[] ca = new int[256];
        int[] cb = new int[256];
        int[] loads = new int[4];
        for (int it = 0; it < 20; it++) {
            int[] experts = skewedRouting(rnd, 256, 16);
            a.choose(placement, 0, experts, 256, ca, loads);
            b.choose(placement, 0, experts, 256, cb, loads);
            assertThat(ca).containsExactly(cb);
        }
    }
}
