package dev.moesaic.router.balance;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.Arrays;

/**
 * The static choice: the n-th assignment of an expert within one call goes to replica n mod
 * replicas, an exactly even split that ignores device load (what EPLB's plan assumes).
 */
public final class RoundRobinReplicas implements ReplicaSelector {
    private int[] seen = new int[0];

    @Override
    public void choose(Placement placement, int layer, int[] experts, int count, int[] chosenSlots, int[] deviceLoads) {
        LayerPlacement p = placement.layer(layer);
        if (seen.length < p.expertCount()) {
            seen = new int[p.expertCount()];
        }
        Arrays.fill(seen, 0, p.expertCount(), 0);
        Arrays.fill(deviceLoads, 0, p.deviceCount(), 0);
        for (int i = 0; i < count; i++) {
            int e = experts[i];
            ReplicaSelector.checkExpert(placement, layer, i, e);
            int slot = p.replica(e, seen[e]++ % p.replicaCount(e));
            chosenSlots[i] = slot;
            deviceLoads[p.deviceOf(slot)]++;
        }
    }
}
