package dev.moesaic.router.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.router.placement.Placement;
import org.junit.jupiter.api.Test;

/** The worked example of DeepSeek's EPLB README (see /work/shared/REFERENCE.md). */
class EplbWorkedExampleTest {
    static final double[][] LOADS = {
        {90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86},
        {20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27},
    };

    @Test
    void hierarchicalPlanReproducesThePublishedPhy2Log() {
        // 16 physical slots on 8 devices (2 each), 4 groups, 2 nodes
        Placement p = new EplbPlanner(4, 2).rebalance(LOADS, 8, 2, 7);
        assertThat(p.layer(0).slotExperts()).containsExactly(5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1);
        assertThat(p.layer(1).slotExperts()).containsExactly(7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1);
        assertThat(p.epoch()).isEqualTo(7);
        assertThat(p.layer(0).replicaCounts()).containsExactly(1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1);
        assertThat(p.layer(0).replicas(5)).containsExactly(0, 2);
    }
}
