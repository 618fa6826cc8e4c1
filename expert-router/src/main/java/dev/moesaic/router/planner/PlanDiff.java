package dev.moesaic.router.planner;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns "from" and "to" placements into the copies and releases that get from one to the other. A
 * target slot needs a copy unless its device already held the same expert in the same slot. The
 * source is a replica on the same device if there is one (a remap), else the available replica whose
 * device has served the fewest copies of this layer so far (spreads the transfer load), else the
 * model file.
 */
final class PlanDiff {
    private PlanDiff() {
    }

    static PlacementPlan diff(Placement from, Placement to, int[] oldDeviceOfNew, boolean[] sourceAvailable) {
        List<ExpertMove> moves = new ArrayList<>();
        List<ReplicaRemoval> removals = new ArrayList<>();
        int[] newDeviceOfOld = new int[from.deviceCount()];
        java.util.Arrays.fill(newDeviceOfOld, -1);
        for (int j = 0; j < oldDeviceOfNew.length; j++) {
            if (oldDeviceOfNew[j] >= 0) {
                newDeviceOfOld[oldDeviceOfNew[j]] = j;
            }
        }
        for (int l = 0; l < to.layerCount(); l++) {
            LayerPlacement cur = from.layer(l);
            LayerPlacement tgt = to.layer(l);
            int[] served = new int[from.deviceCount()];
            for (int g = 0; g < tgt.physicalSlotCount(); g++) {
                int e = tgt.expertAt(g);
                if (e == LayerPlacement.EMPTY) {
                    continue;
                }
                int device = tgt.deviceOf(g);
                int slot = tgt.slotOnDevice(g);
                int old = oldDeviceOfNew[device];
                if (old >= 0 && slot < cur.slotsPerDevice() && cur.expertAt(old, slot) == e) {
                    continue;
                }
                int source = source(cur, e, old, sourceAvailable, served);
                if (source < 0) {
                    moves.add(new ExpertMove(l, e, ExpertMove.FROM_MODEL_FILE, ExpertMove.FROM_MODEL_FILE, device, slot));
                } else {
                    served[cur.deviceOf(source)]++;
                    moves.add(new ExpertMove(l, e, cur.deviceOf(source), cur.slotOnDevice(source), device, slot));
                }
            }
            for (int g = 0; g < cur.physicalSlotCount(); g++) {
                int e = cur.expertAt(g);
                if (e == LayerPlacement.EMPTY) {
                    continue;
                }
                int newDevice = newDeviceOfOld[cur.deviceOf(g)];
                int slot = cur.slotOnDevice(g);
                if (newDevice < 0 || slot >= tgt.slotsPerDevice() || tgt.expertAt(newDevice, slot) != e) {
                    removals.add(new ReplicaRemoval(l, e, cur.deviceOf(g), slot));
                }
            }
        }
        return new PlacementPlan(from, to, oldDeviceOfNew, moves, removals);
    }

    private static int source(LayerPlacement cur, int e, int sameDevice, boolean[] available, int[] served) {
        int best = -1;
        for (int r = 0; r < cur.replicaCount(e); r++) {
            int g = cur.replica(e, r);
            int d = cur.deviceOf(g);
            if (!available[d]) {
                continue;
            }
            if (d == sameDevice) {
                return g;
            }
            if (best < 0 || served[d] < served[cur.deviceOf(best)]) {
                best = g;
            }
        }
        return best;
    }
}
