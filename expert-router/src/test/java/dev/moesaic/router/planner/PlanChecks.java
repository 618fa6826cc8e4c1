package dev.moesaic.router.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Shared checks: a plan's moves and removals really turn its "from" placement into its "to" placement. */
final class PlanChecks {
    private PlanChecks() {
    }

    static void assertMovesReproduceTarget(PlacementPlan plan) {
        Placement from = plan.from();
        Placement to = plan.to();
        assertThat(to.epoch()).isEqualTo(from.epoch() + 1);
        int[][] tables = new int[to.layerCount()][];
        int newSlots = to.slotsPerDevice();
        int[] newOfOld = new int[from.deviceCount()];
        Arrays.fill(newOfOld, -1);
        for (int j = 0; j < to.deviceCount(); j++) {
            if (plan.oldDeviceOf(j) >= 0) {
                newOfOld[plan.oldDeviceOf(j)] = j;
            }
        }
        for (int l = 0; l < to.layerCount(); l++) {
            int[] t = new int[to.deviceCount() * newSlots];
            Arrays.fill(t, LayerPlacement.EMPTY);
            for (int j = 0; j < to.deviceCount(); j++) {
                int old = plan.oldDeviceOf(j);
                for (int s = 0; old >= 0 && s < Math.min(newSlots, from.slotsPerDevice()); s++) {
                    t[j * newSlots + s] = from.layer(l).expertAt(old, s);
                }
            }
            tables[l] = t;
        }
        for (ReplicaRemoval r : plan.removals()) {
            assertThat(from.layer(r.layer()).expertAt(r.device(), r.slot())).isEqualTo(r.logicalExpert());
            int j = newOfOld[r.device()];
            if (j >= 0 && r.slot() < newSlots) {
                tables[r.layer()][j * newSlots + r.slot()] = LayerPlacement.EMPTY;
            }
        }
        for (ExpertMove m : plan.moves()) {
            if (!m.fromModelFile()) {
                assertThat(from.layer(m.layer()).expertAt(m.fromDevice(), m.fromSlot())).as("source of %s", m)
                        .isEqualTo(m.logicalExpert());
            }
            int g = m.toDevice() * newSlots + m.toSlot();
            assertThat(tables[m.layer()][g]).as("target slot of %s must be free", m).isEqualTo(LayerPlacement.EMPTY);
            tables[m.layer()][g] = m.logicalExpert();
        }
        for (int l = 0; l < to.layerCount(); l++) {
            assertThat(tables[l]).as("layer %d", l).containsExactly(to.layer(l).slotExperts());
        }
    }

    static double[][] zipfLoads(SplittableRandom rnd, int layers, int experts, double exponent) {
        double[][] loads = new double[layers][experts];
        for (int l = 0; l < layers; l++) {
            int[] perm = permutation(rnd, experts);
            for (int e = 0; e < experts; e++) {
                loads[l][perm[e]] = Math.round(1000 / Math.pow(e + 1, exponent));
            }
        }
        return loads;
    }

    static double[][] randomLoads(SplittableRandom rnd, int layers, int experts) {
        double[][] loads = new double[layers][experts];
        for (int l = 0; l < layers; l++) {
            for (int e = 0; e < experts; e++) {
                // mix of zeros, small and heavy experts, integers so ties happen
                loads[l][e] = switch (rnd.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> rnd.nextInt(10);
                    case 2 -> rnd.nextInt(200);
                    default -> rnd.nextInt(2000);
                };
            }
        }
        return loads;
    }

    static int[] permutation(SplittableRandom rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int x = p[i];
            p[i] = p[j];
            p[j] = x;
        }
        return p;
    }
}
