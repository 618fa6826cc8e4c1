package dev.moesaic.router.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {

    @Test
    void slotsAreNumberedDeviceByDeviceAndReplicasAreIndexed() {
        LayerPlacement p = LayerPlacement.of(2, 3, 4, new int[] {0, 1, 0, 2, LayerPlacement.EMPTY, 3});
        assertThat(p.physicalSlotCount()).isEqualTo(6);
        assertThat(p.slot(4)).isEqualTo(new PhysicalSlot(1, 1, LayerPlacement.EMPTY));
        assertThat(p.slot(4).isEmpty()).isTrue();
        assertThat(p.expertAt(1, 2)).isEqualTo(3);
        assertThat(p.replicas(0)).containsExactly(0, 2);
        assertThat(p.replicaCount(0)).isEqualTo(2);
        assertThat(p.replica(3, 0)).isEqualTo(5);
        assertThat(p.replicaCounts()).containsExactly(2, 1, 1, 1);
        assertThat(p.maxReplicaCount()).isEqualTo(2);
        assertThat(p.toString()).isEqualTo("[0,1,0 | 2,-1,3]");
    }

    @Test
    void rejectsTablesThatCannotServeTheModel() {
        assertThatThrownBy(() -> LayerPlacement.of(2, 2, 4, new int[] {0, 1, 2})).hasMessageContaining("3 entries");
        assertThatThrownBy(() -> LayerPlacement.of(2, 2, 4, new int[] {0, 1, 2, 2}))
                .hasMessageContaining("logical expert 3 has no replica");
        assertThatThrownBy(() -> LayerPlacement.of(2, 2, 4, new int[] {0, 1, 2, 7}))
                .hasMessageContaining("slot 3 (device 1, slot 1) holds expert 7");
        LayerPlacement four = LayerPlacement.of(1, 4, 4, new int[] {0, 1, 2, 3});
        LayerPlacement two = LayerPlacement.of(2, 2, 4, new int[] {0, 1, 2, 3});
        assertThatThrownBy(() -> Placement.of(0, List.of(four, two))).hasMessageContaining("layer 1 has 2 devices");
        assertThatThrownBy(() -> Placement.of(0, 2, 2, 4, new int[][] {{0, 1, 2, 3}, {0, 0, 1, 2}}))
                .hasMessageStartingWith("layer 1: logical expert 3");
    }

    @Test
    void placementsAreValuesAndEpochsDistinguishThem() {
        Placement a = Placements.roundRobin(2, 6, 4);
        Placement b = Placements.roundRobin(2, 6, 4);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.withEpoch(3)).isNotEqualTo(a);
        assertThat(a.withEpoch(3).sameLayout(a)).isTrue();
        assertThat(a.withEpoch(3).epoch()).isEqualTo(3);
    }

    @Test
    void roundRobinContiguousAndRandomLayouts() {
        Placement rr = Placements.roundRobin(1, 6, 4);
        assertThat(rr.slotsPerDevice()).isEqualTo(2);
        assertThat(rr.layer(0).slotExperts()).containsExactly(0, 4, 1, 5, 2, -1, 3, -1);
        Placement contiguous = Placements.contiguous(1, 6, 4);
        assertThat(contiguous.layer(0).slotExperts()).containsExactly(0, 1, 2, 3, 4, 5, -1, -1);
        Placement random = Placements.random(3, 10, 3, 5, 4, 17);
        for (LayerPlacement layer : random.layers()) {
            int used = 0;
            for (int e = 0; e < 10; e++) {
                used += layer.replicaCount(e);
            }
            assertThat(used).isEqualTo(14);
        }
        assertThat(Placements.random(3, 10, 3, 5, 4, 17)).isEqualTo(random);
        assertThat(random.layer(0)).isNotEqualTo(random.layer(1));
        assertThatThrownBy(() -> Placements.roundRobin(1, 9, 2, 4)).hasMessageContaining("at least 5 slots per device");
        assertThatThrownBy(() -> Placements.random(1, 4, 2, 2, 1, 0)).hasMessageContaining("extraReplicas=1");
    }
}
