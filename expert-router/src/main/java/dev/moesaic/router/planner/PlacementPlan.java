package dev.moesaic.router.planner;

import dev.moesaic.router.placement.Placement;
import java.util.List;

/**
 * A planner's answer, as data: the placement to switch to, the expert copies to make before the
 * switch and the replicas to release after it.
 *
 * @param from          the placement the plan starts from
 * @param to            the placement after the switch (epoch = from.epoch + 1)
 * @param oldDeviceOfNew for each device of {@code to}, its device index in {@code from}, or -1 for a new device
 * @param moves         copies to perform (ordered by layer, then target slot)
 * @param removals      replicas of {@code from} that {@code to} does not keep in place (ordered by layer, slot)
 */
public record PlacementPlan(Placement from, Placement to, int[] oldDeviceOfNew, List<ExpertMove> moves,
                            List<ReplicaRemoval> removals) {

    public PlacementPlan {
        oldDeviceOfNew = oldDeviceOfNew.clone();
        moves = List.copyOf(moves);
        removals = List.copyOf(removals);
    }

    @Override
    public int[] oldDeviceOfNew() {
        return oldDeviceOfNew.clone();
    }

    /** The old index of new device {@code newDevice}, or -1 when it is a new device. */
    public int oldDeviceOf(int newDevice) {
        return oldDeviceOfNew[newDevice];
    }

    /** Moves whose source is the same physical device as the target: a remap, no data crosses devices. */
    public boolean staysOnDevice(ExpertMove m) {
        return !m.fromModelFile() && oldDeviceOfNew[m.toDevice()] == m.fromDevice();
    }

    /** Moves that copy an expert between devices or from the model file. */
    public long copyCount() {
        return moves.stream().filter(m -> !staysOnDevice(m)).count();
    }

    /** Moves of one layer. */
    public List<ExpertMove> movesOfLayer(int layer) {
        return moves.stream().filter(m -> m.layer() == layer).toList();
    }

    public boolean isEmpty() {
        return moves.isEmpty() && removals.isEmpty() && from.sameLayout(to);
    }
}
