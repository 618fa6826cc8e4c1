package dev.moesaic.router.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import dev.moesaic.router.placement.Placements;
import dev.moesaic.testing.SeededProperty;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MinimalMovePlannerTest {
    private static final double EPS = 1e-9;

    @Test
    void unchangedLoadsNeedNoMoves() {
        double[][] loads = PlanChecks.zipfLoads(new SplittableRandom(1), 4, 32, 1.1);
        Placement current = EplbPlanner.global().rebalance(loads, 4, 10, 5);
        PlacementPlan plan = new MinimalMovePlanner(EplbPlanner.global()).replan(current, loads);
        assertThat(plan.moves()).isEmpty();
        assertThat(plan.removals()).isEmpty();
        assertThat(plan.to().sameLayout(current)).isTrue();
        assertThat(plan.to().epoch()).isEqualTo(6);
    }

    @Test
    void aSmallDriftMovesFarFewerExpertsThanPlanningFromScratch() {
        SplittableRandom rnd = new SplittableRandom(2);
        double[][] loads = PlanChecks.zipfLoads(rnd, 12, 32, 1.1);
        EplbPlanner eplb = EplbPlanner.global();
        Placement current = eplb.rebalance(loads, 4, 10, 0);
        double[][] drifted = new double[loads.length][];
        for (int l = 0; l < loads.length; l++) {
            drifted[l] = loads[l].clone();
            // two experts trade popularity
            int a = rnd.nextInt(32);
            int b = rnd.nextInt(32);
            double t = drifted[l][a];
            drifted[l][a] = drifted[l][b];
            drifted[l][b] = t;
        }
        MinimalMovePlanner planner = new MinimalMovePlanner(eplb);
        PlacementPlan incremental = planner.replan(current, drifted);
        PlacementPlan fromScratch = PlanDiff.diff(current, eplb.rebalance(drifted, 4, 10, 1), new int[] {0, 1, 2, 3},
                new boolean[] {true, true, true, true});
        PlanChecks.assertMovesReproduceTarget(incremental);
        assertComparable(planner, incremental, drifted);
        assertThat(incremental.moves().size()).isLessThan(fromScratch.moves().size() / 2);
    }

    @Test
    void aRoundRobinStartIsRepairedIntoABalancedPlan() {
        double[][] loads = PlanChecks.zipfLoads(new SplittableRandom(3), 3, 32, 1.2);
        Placement start = Placements.roundRobin(3, 32, 4, 10);
        MinimalMovePlanner planner = new MinimalMovePlanner(EplbPlanner.global());
        PlacementPlan plan = planner.replan(start, loads);
        PlanChecks.assertMovesReproduceTarget(plan);
        assertComparable(planner, plan, loads);
        assertThat(plan.copyCount()).isPositive();
    }

    @Test
    void hierarchicalReplansKeepEveryExpertsReplicasOnOneNode() {
        SplittableRandom rnd = new SplittableRandom(9);
        EplbPlanner eplb = new EplbPlanner(4, 2);
        MinimalMovePlanner planner = new MinimalMovePlanner(eplb);
        double[][] loads = EplbWorkedExampleTest.LOADS;
        Placement current = eplb.rebalance(loads, 8, 2, 0);
        for (int round = 0; round < 5; round++) {
            double[][] drifted = new double[2][12];
            for (int l = 0; l < 2; l++) {
                for (int e = 0; e < 12; e++) {
                    drifted[l][e] = Math.max(0, loads[l][e] + rnd.nextInt(121) - 60);
                }
            }
            PlacementPlan plan = planner.replan(current, drifted);
            PlanChecks.assertMovesReproduceTarget(plan);
            assertComparable(planner, plan, drifted);
            for (int l = 0; l < 2; l++) {
                LayerPlacement layer = plan.to().layer(l);
                for (int e = 0; e < 12; e++) {
                    int node = layer.deviceOf(layer.replica(e, 0)) / 4;
                    for (int r = 1; r < layer.replicaCount(e); r++) {
                        assertThat(layer.deviceOf(layer.replica(e, r)) / 4).as("layer %d expert %d", l, e).isEqualTo(node);
                    }
                }
            }
            current = plan.to();
        }
    }

    @Test
    void incrementalPlansAreComparableConsistentAndNoCostlierThanFromScratch() {
        SeededProperty.check(150, MinimalMovePlannerTest::incrementalPlanIsComparableAndNoCostlier);
    }

    private static void incrementalPlanIsComparableAndNoCostlier(SeededProperty.Case c) {
        int layers = c.integer("layers", 1, 3);
        int experts = c.integer("experts", 2, 40);
        int devices = c.integer("devices", 1, 6);
        int extraSlots = c.integer("extraSlots", 0, 4);
        int tolerancePercent = c.integer("tolerancePercent", 0, 20);
        boolean fromEplb = c.bool("fromEplb");
        SplittableRandom rnd = c.random();
        int slots = Math.ceilDiv(experts, devices) + extraSlots;
        EplbPlanner eplb = EplbPlanner.global();
        Placement current = fromEplb
                ? eplb.rebalance(PlanChecks.randomLoads(rnd, layers, experts), devices, slots, 0)
                : Placements.random(layers, experts, devices, slots, rnd.nextInt(devices * slots - experts + 1),
                        rnd.nextLong());
        double[][] loads = rnd.nextBoolean() ? PlanChecks.randomLoads(rnd, layers, experts)
                : PlanChecks.zipfLoads(rnd, layers, experts, 1.0 + rnd.nextDouble());
        MinimalMovePlanner planner = new MinimalMovePlanner(eplb, tolerancePercent / 100.0);
        PlacementPlan plan = planner.replan(current, loads);

        PlanChecks.assertMovesReproduceTarget(plan);
        assertComparable(planner, plan, loads);
        int[] identity = new int[devices];
        Arrays.setAll(identity, d -> d);
        boolean[] all = new boolean[devices];
        Arrays.fill(all, true);
        PlacementPlan scratch = PlanDiff.diff(current, eplb.rebalance(loads, devices, slots, 1), identity, all);
        assertThat(plan.moves().size()).isLessThanOrEqualTo(scratch.moves().size());
        for (ExpertMove m : plan.moves()) {
            assertThat(m.fromModelFile()).isFalse();
        }
    }

    static void assertComparable(MinimalMovePlanner planner, PlacementPlan plan, double[][] loads) {
        Placement scratch = planner.eplb().rebalance(loads, plan.to().deviceCount(), plan.to().slotsPerDevice(), 0);
        for (int l = 0; l < loads.length; l++) {
            double best = ExpectedLoads.maxDevice(scratch.layer(l), loads[l]);
            LayerPlacement chosen = plan.to().layer(l);
            assertThat(ExpectedLoads.maxDevice(chosen, loads[l])).as("layer %d", l)
                    .isLessThanOrEqualTo((1 + planner.tolerance()) * best + EPS * (1 + best));
            double perReplica = ExpectedLoads.maxPerReplica(scratch.layer(l), loads[l]);
            assertThat(ExpectedLoads.maxPerReplica(chosen, loads[l])).as("layer %d per replica", l)
                    .isLessThanOrEqualTo((1 + planner.tolerance()) * perReplica + EPS * (1 + perReplica));
        }
    }
}
