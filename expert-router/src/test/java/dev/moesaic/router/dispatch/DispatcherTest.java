package dev.moesaic.router.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.router.balance.AlfBalancer;
import dev.moesaic.router.balance.ReplicaSelector;
import dev.moesaic.router.balance.RoundRobinReplicas;
import dev.moesaic.router.placement.Placement;
import dev.moesaic.router.placement.Placements;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DispatcherTest {

    /** The slow twin: ordered maps from device to slot to assignment list. */
    private static TreeMap<Integer, TreeMap<Integer, List<Integer>>> referenceGrouping(Placement p, int layer,
                                                                                       int[] chosenSlots, int n) {
        TreeMap<Integer, TreeMap<Integer, List<Integer>>> byDevice = new TreeMap<>();
        for (int d = 0; d < p.deviceCount(); d++) {
            byDevice.put(d, new TreeMap<>());
        }
        for (int i = 0; i < n; i++) {
            int d = p.layer(layer).deviceOf(chosenSlots[i]);
            int s = p.layer(layer).slotOnDevice(chosenSlots[i]);
            byDevice.get(d).computeIfAbsent(s, x -> new ArrayList<>()).add(i);
        }
        return byDevice;
    }

    @Test
    void groupsLikeTheReferenceForRandomPlacementsAndRoutings() {
        SplittableRandom rnd = new SplittableRandom(31);
        DispatchPlan plan = new DispatchPlan();
        for (int trial = 0; trial < 200; trial++) {
            int experts = 1 + rnd.nextInt(40);
            int devices = 1 + rnd.nextInt(6);
            int slots = Math.ceilDiv(experts, devices) + rnd.nextInt(4);
            Placement p = Placements.random(2, experts, devices, slots, rnd.nextInt(devices * slots - experts + 1),
                    rnd.nextLong());
            int k = 1 + rnd.nextInt(Math.min(experts, 4));
            int tokens = rnd.nextInt(70);
            int[] routed = new int[tokens * k];
            for (int i = 0; i < routed.length; i++) {
                routed[i] = rnd.nextInt(experts);
            }
            ReplicaSelector selector = rnd.nextBoolean() ? new AlfBalancer() : new RoundRobinReplicas();
            int layer = rnd.nextInt(2);
            new Dispatcher(selector).dispatch(p, layer, routed, tokens, k, plan);

            int[] chosen = new int[routed.length];
            for (int i = 0; i < routed.length; i++) {
                chosen[i] = p.layer(layer).globalSlot(plan.deviceOf(i), plan.slotOf(i));
                assertThat(p.layer(layer).expertAt(chosen[i])).isEqualTo(routed[i]);
            }
            var expected = referenceGrouping(p, layer, chosen, routed.length);
            int total = 0;
            for (int d = 0; d < devices; d++) {
                List<DispatchPlan.SlotWork> work = plan.work(d);
                var slotsOfDevice = expected.get(d);
                assertThat(work).hasSize(slotsOfDevice.size());
                int g = 0;
                for (var entry : slotsOfDevice.entrySet()) {
                    DispatchPlan.SlotWork w = work.get(g++);
                    assertThat(w.slotOnDevice()).isEqualTo(entry.getKey());
                    assertThat(w.logicalExpert()).isEqualTo(p.layer(layer).expertAt(d, entry.getKey()));
                    assertThat(w.assignments()).containsExactly(entry.getValue().stream().mapToInt(Integer::intValue).toArray());
                    total += w.assignments().length;
                }
                assertThat(plan.deviceLoad(d)).isEqualTo(slotsOfDevice.values().stream().mapToInt(List::size).sum());
            }
            assertThat(total).isEqualTo(routed.length);
            assertThat(plan.epoch()).isEqualTo(p.epoch());
        }
    }

    @Test
    void combinedOutputsAreBitwiseTheSameForEveryPlacement() {
        int experts = 12;
        int k = 3;
        int tokens = 50;
        SplittableRandom rnd = new SplittableRandom(32);
        int[] routed = new int[tokens * k];
        float[] weights = new float[tokens * k];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < k; j++) {
                routed[t * k + j] = (t * 7 + j * 5) % experts;
                weights[t * k + j] = (float) rnd.nextDouble();
            }
        }
        float[] reference = combine(Placements.contiguous(1, experts, 1), new RoundRobinReplicas(), routed, weights,
                tokens, k);
        for (int seed = 0; seed < 20; seed++) {
            int devices = 2 + seed % 3;
            Placement p = Placements.random(1, experts, devices, 8, Math.min(seed % 6, devices * 8 - experts), seed);
            assertThat(combine(p, new AlfBalancer(), routed, weights, tokens, k)).containsExactly(reference);
        }
    }

    /** Stands in for the engine: each device computes its groups, then tokens sum over k in order. */
    private static float[] combine(Placement p, ReplicaSelector selector, int[] routed, float[] weights, int tokens,
                                   int k) {
        DispatchPlan plan = new Dispatcher(selector).dispatch(p, 0, routed, tokens, k, null);
        float[] expertOut = new float[tokens * k];
        for (int d = 0; d < plan.deviceCount(); d++) {
            for (int g = 0; g < plan.groupCount(d); g++) {
                int expert = plan.logicalExpert(d, g);
                for (int i = 0; i < plan.assignmentCount(d, g); i++) {
                    int a = plan.assignment(d, g, i);
                    int token = a / k;
                    expertOut[a] = (float) Math.sin(expert * 1.3 + token * 0.7);
                }
            }
        }
        float[] out = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            float acc = 0;
            for (int j = 0; j < k; j++) {
                acc += weights[t * k + j] * expertOut[t * k + j];
            }
            out[t] = acc;
        }
        return out;
    }

    @Test
    void aReusedPlanDoesNotReallocate() {
        Placement p = Placements.random(1, 32, 4, 10, 8, 1);
        Dispatcher dispatcher = new Dispatcher(new AlfBalancer());
        int[] routed = new int[256 * 4];
        SplittableRandom rnd = new SplittableRandom(2);
        DispatchPlan plan = new DispatchPlan();
        for (int i = 0; i < routed.length; i++) {
            routed[i] = rnd.nextInt(32);
        }
        dispatcher.dispatch(p, 0, routed, 256, 4, plan);
        int[] backing = plan.assignmentIndices();
        for (int it = 0; it < 5; it++) {
            for (int i = 0; i < routed.length; i++) {
                routed[i] = rnd.nextInt(32);
            }
            assertThat(dispatcher.dispatch(p, 0, routed, 1 + rnd.nextInt(256), 4, plan)).isSameAs(plan);
            assertThat(plan.assignmentIndices()).isSameAs(backing);
        }
    }

    @Test
    void rejectsRoutingThatDoesNotFitThePlacement() {
        Placement p = Placements.roundRobin(2, 4, 2);
        Dispatcher dispatcher = new Dispatcher(new RoundRobinReplicas());
        assertThatThrownBy(() -> dispatcher.dispatch(p, 0, new int[] {0, 9}, 1, 2, null))
                .hasMessageContaining("names expert 9");
        assertThatThrownBy(() -> dispatcher.dispatch(p, 2, new int[] {0, 1}, 1, 2, null))
                .hasMessageContaining("layer 2");
        assertThatThrownBy(() -> dispatcher.dispatch(p, 0, new int[] {0}, 1, 2, null))
                .hasMessageContaining("need tokenCount");
    }
}
