package dev.moesaic.router.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import dev.moesaic.testing.SeededProperty;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EplbPlannerPropertiesTest {

    @Test
    void balancedPackingFillsEveryPackExactlyAndKeepsPacksWithinTheHeaviestItem() {
        SeededProperty.check(300, EplbPlannerPropertiesTest::packingIsExactAndWithinTheHeaviestItem);
    }

    private static void packingIsExactAndWithinTheHeaviestItem(SeededProperty.Case c) {
        int packs = c.integer("packs", 1, 8);
        int perPack = c.integer("perPack", 1, 8);
        SplittableRandom rnd = c.random();
        double[] w = PlanChecks.randomLoads(rnd, 1, packs * perPack)[0];
        BalancedPacking.Packing p = BalancedPacking.pack(w, packs);
        double[] load = new double[packs];
        int[] count = new int[packs];
        boolean[][] rankUsed = new boolean[packs][perPack];
        double heaviest = 0;
        for (int i = 0; i < w.length; i++) {
            load[p.pack()[i]] += w[i];
            count[p.pack()[i]]++;
            assertThat(rankUsed[p.pack()[i]][p.rank()[i]]).isFalse();
            rankUsed[p.pack()[i]][p.rank()[i]] = true;
            heaviest = Math.max(heaviest, w[i]);
        }
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (int k = 0; k < packs; k++) {
            assertThat(count[k]).isEqualTo(perPack);
            max = Math.max(max, load[k]);
            min = Math.min(min, load[k]);
        }
        assertThat(max - min).isLessThanOrEqualTo(heaviest + 1e-9);
    }

    @Test
    void everyExpertPlacedEverySlotFilledAndMaxLoadWithinTheStatedBound() {
        SeededProperty.check(300, EplbPlannerPropertiesTest::placementIsCompleteAndWithinTheBound);
    }

    private static void placementIsCompleteAndWithinTheBound(SeededProperty.Case c) {
        int layers = c.integer("layers", 1, 3);
        int nodes = c.integer("nodes", 1, 4);
        int devicesPerNode = c.integer("devicesPerNode", 1, 3);
        int groupsPerNode = c.integer("groupsPerNode", 1, 4);
        int groupSize = c.integer("groupSize", 1, 4);
        int extraSlotsPerDevice = c.integer("extraSlotsPerDevice", 0, 6);
        boolean skewed = c.bool("skewed");
        SplittableRandom rnd = c.random();
        int groups = nodes * groupsPerNode;
        int experts = groups * groupSize;
        int devices = nodes * devicesPerNode;
        // EPLB needs the physical experts per node to cover the node's logical experts
        int slots = Math.ceilDiv(experts, devices) + extraSlotsPerDevice;
        if (rnd.nextInt(4) == 0) {
            // sometimes a shape the hierarchy cannot take: the planner must fall back to the global policy
            devices += 1;
            slots = Math.ceilDiv(experts, devices) + extraSlotsPerDevice;
        }
        double[][] loads = skewed ? PlanChecks.zipfLoads(rnd, layers, experts, 1.2)
                : PlanChecks.randomLoads(rnd, layers, experts);
        EplbPlanner planner = new EplbPlanner(groups, nodes);
        Placement p = planner.rebalance(loads, devices, slots, 3);
        assertThat(p.layerCount()).isEqualTo(layers);
        for (int l = 0; l < layers; l++) {
            LayerPlacement layer = p.layer(l);
            int replicas = 0;
            for (int e = 0; e < experts; e++) {
                assertThat(layer.replicaCount(e)).isGreaterThanOrEqualTo(1);
                replicas += layer.replicaCount(e);
            }
            assertThat(replicas).isEqualTo(devices * slots);
            for (int g = 0; g < layer.physicalSlotCount(); g++) {
                assertThat(layer.expertAt(g)).isNotEqualTo(LayerPlacement.EMPTY);
            }
            assertThat(ExpectedLoads.maxDevice(layer, loads[l])).isLessThanOrEqualTo(
                    planner.loadBound(loads[l], layer) * (1 + 1e-12) + 1e-9);
            if (planner.hierarchical(experts, devices) && nodes > 1) {
                // a group's experts stay on one node
                int perNode = devices / nodes * slots;
                for (int g = 0; g < layer.physicalSlotCount(); g++) {
                    int groupOfSlot = layer.expertAt(g) / groupSize;
                    int node = g / perNode;
                    for (int r = 0; r < layer.replicaCount(layer.expertAt(g)); r++) {
                        assertThat(layer.replica(layer.expertAt(g), r) / perNode).isEqualTo(node);
                    }
                    assertThat(groupOfSlot).isBetween(0, groups - 1);
                }
            }
        }
    }

    @Test
    void replicationGivesTheExtraSlotsToTheHeaviestPerReplicaLoad() {
        SeededProperty.check(200, EplbPlannerPropertiesTest::extraSlotsGoToTheHeaviestPerReplicaLoad);
    }

    private static void extraSlotsGoToTheHeaviestPerReplicaLoad(SeededProperty.Case c) {
        int experts = c.integer("experts", 1, 20);
        int extra = c.integer("extra", 0, 20);
        double[] w = PlanChecks.randomLoads(c.random(), 1, experts)[0];
        Replication.Replicas r = Replication.replicate(w, experts + extra);
        // optimality of the greedy: no expert could give up a replica to lower the max per-replica load
        double max = 0;
        for (int e = 0; e < experts; e++) {
            max = Math.max(max, w[e] / r.count()[e]);
        }
        for (int e = 0; e < experts; e++) {
            if (r.count()[e] > 1) {
                assertThat(w[e] / (r.count()[e] - 1)).isGreaterThanOrEqualTo(max);
            }
        }
        int total = 0;
        for (int replicas : r.count()) {
            total += replicas;
        }
        assertThat(total).isEqualTo(experts + extra);
    }
}
