package dev.moesaic.router.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class EplbPlannerPropertiesTest {

    @Property(tries = 300)
    void balancedPackingFillsEveryPackExactlyAndKeepsPacksWithinTheHeaviestItem(
            @ForAll @IntRange(min = 1, max = 8) int packs, @ForAll @IntRange(min = 1, max = 8) int perPack,
            @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
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

    @Property(tries = 300)
    void everyExpertPlacedEverySlotFilledAndMaxLoadWithinTheStatedBound(
            @ForAll @IntRange(min = 1, max = 3) int layers, @ForAll @IntRange(min = 1, max = 4) int nodes,
            @ForAll @IntRange(min = 1, max = 3) int devicesPerNode, @ForAll @IntRange(min = 1, max = 4) int groupsPerNode,
            @ForAll @IntRange(min = 1, max = 4) int groupSize, @ForAll @IntRange(min = 0, max = 6) int extraSlotsPerDevice,
            @ForAll boolean skewed, @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
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

    @Property(tries = 200)
    void replicationGivesTheExtraSlotsToTheHeaviestPerReplicaLoad(@ForAll @IntRange(min = 1, max = 20) int experts,
                                                                 @ForAll @IntRange(min = 0, max = 20) int extra,
                                                                 @ForAll long seed) {
        double[] w = PlanChecks.randomLoads(new SplittableRandom(seed), 1, experts)[0];
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
        for (int c : r.count()) {
            total += c;
        }
        assertThat(total).isEqualTo(experts + extra);
    }
}
