package dev.moesaic.router.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import dev.moesaic.router.placement.Placements;
import dev.moesaic.testing.SeededProperty;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScalePlannerTest {
    private final MinimalMovePlanner planner = new MinimalMovePlanner(EplbPlanner.global());
    private final ScalePlanner scale = new ScalePlanner(planner);

    @Test
    void scaleUpFillsTheNewDevicesWithoutTouchingKeptSlotsNeedlessly() {
        double[][] loads = PlanChecks.zipfLoads(new SplittableRandom(4), 12, 32, 1.1);
        Placement four = EplbPlanner.global().rebalance(loads, 4, 10, 0);
        PlacementPlan plan = scale.scaleTo(four, 6, loads);
        PlanChecks.assertMovesReproduceTarget(plan);
        MinimalMovePlannerTest.assertComparable(planner, plan, loads);
        assertThat(plan.to().deviceCount()).isEqualTo(6);
        assertThat(plan.oldDeviceOfNew()).containsExactly(0, 1, 2, 3, -1, -1);
        for (int l = 0; l < 12; l++) {
            for (int d = 4; d < 6; d++) {
                boolean holdsSomething = false;
                for (int s = 0; s < 10; s++) {
                    holdsSomething |= plan.to().layer(l).expertAt(d, s) != LayerPlacement.EMPTY;
                }
                assertThat(holdsSomething).as("new device %d in layer %d", d, l).isTrue();
            }
        }
        // every move lands on a device; none needs the model file
        assertThat(plan.moves()).allMatch(m -> !m.fromModelFile());
    }

    @Test
    void scaleDownDrainsTheLeavingDevice() {
        double[][] loads = PlanChecks.zipfLoads(new SplittableRandom(5), 12, 32, 1.1);
        Placement four = EplbPlanner.global().rebalance(loads, 4, 10, 0);
        PlacementPlan plan = scale.scaleTo(four, 3, 11, loads);
        PlanChecks.assertMovesReproduceTarget(plan);
        MinimalMovePlannerTest.assertComparable(planner, plan, loads);
        for (int l = 0; l < 12; l++) {
            LayerPlacement before = four.layer(l);
            for (int e = 0; e < 32; e++) {
                boolean onlyOnLeaving = true;
                for (int r = 0; r < before.replicaCount(e); r++) {
                    onlyOnLeaving &= before.deviceOf(before.replica(e, r)) == 3;
                }
                if (onlyOnLeaving) {
                    int expert = e;
                    int layer = l;
                    assertThat(plan.moves()).anyMatch(m -> m.layer() == layer && m.logicalExpert() == expert
                            && m.fromDevice() == 3);
                }
            }
            // all of device 3's replicas are released
            int layer = l;
            assertThat(plan.removals().stream().filter(r -> r.layer() == layer && r.device() == 3).count())
                    .isEqualTo(10);
        }
    }

    @Test
    void aFailedDeviceIsNeverACopySource() {
        double[][] loads = PlanChecks.zipfLoads(new SplittableRandom(6), 4, 32, 1.1);
        // no replicas: every expert of the failed device must come from the model file
        Placement four = Placements.roundRobin(4, 32, 4, 11);
        PlacementPlan plan = scale.removeDevices(four, Set.of(1), true, loads);
        PlanChecks.assertMovesReproduceTarget(plan);
        assertThat(plan.oldDeviceOfNew()).containsExactly(0, 2, 3);
        assertThat(plan.moves()).noneMatch(m -> m.fromDevice() == 1);
        // device 1 held 8 experts per layer, each its only replica: all of them, and only they, come from the file
        long fromFile = plan.moves().stream().filter(ExpertMove::fromModelFile)
                .map(m -> m.layer() + "/" + m.logicalExpert()).distinct().count();
        assertThat(fromFile).isEqualTo(4 * 8);
        assertThat(plan.moves()).filteredOn(ExpertMove::fromModelFile).allMatch(m -> m.logicalExpert() % 4 == 1);
    }

    @Test
    void anyScaleChangeGivesAConsistentComparablePlan() {
        SeededProperty.check(120, this::scaleChangeIsConsistentAndComparable);
    }

    private void scaleChangeIsConsistentAndComparable(SeededProperty.Case c) {
        int layers = c.integer("layers", 1, 2);
        int experts = c.integer("experts", 2, 40);
        int devices = c.integer("devices", 1, 6);
        int newDevices = c.integer("newDevices", 1, 6);
        int extraSlots = c.integer("extraSlots", 0, 3);
        boolean failDevices = c.bool("failDevices");
        SplittableRandom rnd = c.random();
        int slots = Math.ceilDiv(experts, Math.min(devices, newDevices)) + extraSlots;
        double[][] loads = PlanChecks.randomLoads(rnd, layers, experts);
        Placement current = EplbPlanner.global().rebalance(PlanChecks.randomLoads(rnd, layers, experts), devices, slots, 0);
        PlacementPlan plan;
        Set<Integer> failed = new HashSet<>();
        if (failDevices && newDevices < devices) {
            int[] perm = PlanChecks.permutation(rnd, devices);
            for (int i = 0; i < devices - newDevices; i++) {
                failed.add(perm[i]);
            }
            plan = scale.removeDevices(current, failed, true, loads);
        } else {
            plan = scale.scaleTo(current, newDevices, loads);
        }
        assertThat(plan.to().deviceCount()).isEqualTo(newDevices);
        PlanChecks.assertMovesReproduceTarget(plan);
        MinimalMovePlannerTest.assertComparable(planner, plan, loads);
        for (ExpertMove m : plan.moves()) {
            assertThat(failed).doesNotContain(m.fromDevice());
            if (m.fromModelFile()) {
                // only experts with no surviving replica come from the file
                LayerPlacement before = current.layer(m.layer());
                for (int r = 0; r < before.replicaCount(m.logicalExpert()); r++) {
                    assertThat(failed).contains(before.deviceOf(before.replica(m.logicalExpert(), r)));
                }
            }
        }
    }
}
