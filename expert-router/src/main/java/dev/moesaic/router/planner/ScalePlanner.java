package dev.moesaic.router.planner;

import dev.moesaic.router.placement.Placement;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * Plans for changing the device count under a running model, with the fewest expert copies for a
 * balance comparable to a from-scratch EPLB plan on the new devices ({@link MinimalMovePlanner}).
 * Scale-up appends empty devices; scale-down drains the leaving devices: every expert they hold that
 * has no replica elsewhere gets a copy (from the leaving device itself while it still serves, or
 * from the model file for a failed device).
 */
public final class ScalePlanner {
    private final MinimalMovePlanner planner;

    public ScalePlanner(MinimalMovePlanner planner) {
        this.planner = planner;
    }

    /**
     * From the current devices to {@code newDeviceCount}: new devices get the indices after the
     * current ones; scaling down removes the highest-numbered devices. Slots per device stay.
     */
    public PlacementPlan scaleTo(Placement current, int newDeviceCount, double[][] loads) {
        return scaleTo(current, newDeviceCount, current.slotsPerDevice(), loads);
    }

    /** {@link #scaleTo(Placement, int, double[][])} with a new number of slots per device. */
    public PlacementPlan scaleTo(Placement current, int newDeviceCount, int newSlotsPerDevice, double[][] loads) {
        if (newDeviceCount < 1) {
            throw new IllegalArgumentException("newDeviceCount must be >= 1, got " + newDeviceCount);
        }
        int[] oldOfNew = new int[newDeviceCount];
        for (int j = 0; j < newDeviceCount; j++) {
            oldOfNew[j] = j < current.deviceCount() ? j : -1;
        }
        boolean[] available = new boolean[current.deviceCount()];
        Arrays.fill(available, true);
        return planner.plan(current, newDeviceCount, newSlotsPerDevice, oldOfNew, available, loads);
    }

    /**
     * Removes the given devices; the others keep their order and are renumbered from 0. When
     * {@code failed}, nothing can be copied from the leaving devices any more: their unique experts
     * come from surviving replicas or the model file ({@link ExpertMove#FROM_MODEL_FILE}).
     */
    public PlacementPlan removeDevices(Placement current, Set<Integer> leaving, boolean failed, double[][] loads) {
        return removeDevices(current, leaving, failed, current.slotsPerDevice(), loads);
    }

    /** {@link #removeDevices(Placement, Set, boolean, double[][])} with a new number of slots per device. */
    public PlacementPlan removeDevices(Placement current, Set<Integer> leaving, boolean failed, int newSlotsPerDevice,
                                       double[][] loads) {
        Set<Integer> sorted = new TreeSet<>(leaving);
        for (int d : sorted) {
            if (d < 0 || d >= current.deviceCount()) {
                throw new IllegalArgumentException("device " + d + " is not in the placement (devices 0.."
                        + (current.deviceCount() - 1) + ")");
            }
        }
        int remaining = current.deviceCount() - sorted.size();
        if (remaining < 1) {
            throw new IllegalArgumentException("removing " + sorted + " leaves no device: keep at least one");
        }
        int[] oldOfNew = new int[remaining];
        boolean[] available = new boolean[current.deviceCount()];
        int j = 0;
        for (int d = 0; d < current.deviceCount(); d++) {
            available[d] = !(failed && sorted.contains(d));
            if (!sorted.contains(d)) {
                oldOfNew[j++] = d;
            }
        }
        return planner.plan(current, remaining, newSlotsPerDevice, oldOfNew, available, loads);
    }
}
