package dev.moesaic.router.planner;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * EPLB's incremental mode: given the current placement and new loads, a plan that moves as few
 * experts as possible while staying <b>comparable</b> to a from-scratch EPLB plan, meaning: in every
 * layer, (1) the max expected device load (loads split evenly over replicas, {@link ExpectedLoads})
 * and (2) the max load per replica of any expert are each at most {@code (1 + tolerance)} times
 * those of {@link EplbPlanner#rebalance} for the same loads. (2) matters as much as (1): it is the
 * granularity term of EPLB's bound, and replicas of the hot experts are what the ALF-LB balancer
 * moves load with; a plan that meets (1) with stale replicas leaves it little to move.
 *
 * <p>Per layer it builds two candidates and keeps the one with fewer copies that meets the bound:
 * (1) the current layout repaired by {@link LayerSearch} (zero copies when it is already within the
 * bound); (2) the from-scratch plan with its devices renamed to the current devices that already
 * hold most of their experts (maximum-overlap assignment) and every kept expert left in its slot.
 * Candidate (2) always meets the bound, so every plan is comparable. The same machinery plans device
 * count changes ({@link ScalePlanner}).
 */
public final class MinimalMovePlanner {
    /** Default tolerance: within 5% of the from-scratch plan's max device load. */
    public static final double DEFAULT_TOLERANCE = 0.05;

    private final EplbPlanner eplb;
    private final double tolerance;

    public MinimalMovePlanner(EplbPlanner eplb, double tolerance) {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be finite and >= 0, got " + tolerance);
        }
        this.eplb = eplb;
        this.tolerance = tolerance;
    }

    public MinimalMovePlanner(EplbPlanner eplb) {
        this(eplb, DEFAULT_TOLERANCE);
    }

    public EplbPlanner eplb() {
        return eplb;
    }

    public double tolerance() {
        return tolerance;
    }

    /** Re-plans on the same devices; the result's epoch is {@code current.epoch() + 1}. */
    public PlacementPlan replan(Placement current, double[][] loads) {
        int devices = current.deviceCount();
        int[] identity = new int[devices];
        for (int d = 0; d < devices; d++) {
            identity[d] = d;
        }
        boolean[] available = new boolean[devices];
        Arrays.fill(available, true);
        return plan(current, devices, current.slotsPerDevice(), identity, available, loads);
    }

    /**
     * For comparison: the plain from-scratch EPLB plan on the same devices, with the copies it would
     * need from {@code current} (no renaming, no slot preservation beyond coincidence).
     */
    public PlacementPlan fromScratch(Placement current, double[][] loads) {
        int devices = current.deviceCount();
        int[] identity = new int[devices];
        for (int d = 0; d < devices; d++) {
            identity[d] = d;
        }
        boolean[] available = new boolean[devices];
        Arrays.fill(available, true);
        Placement fresh = eplb.rebalance(loads, devices, current.slotsPerDevice(), current.epoch() + 1);
        return PlanDiff.diff(current, fresh, identity, available);
    }

    /**
     * The general form: new devices {@code 0..newDevices)}, where new device j was old device
     * {@code oldDeviceOfNew[j]} (or is added, -1); old devices missing from the mapping leave.
     * {@code sourceAvailable[old]} says whether an old device can still be copied from.
     */
    PlacementPlan plan(Placement current, int newDevices, int newSlotsPerDevice, int[] oldDeviceOfNew,
                       boolean[] sourceAvailable, double[][] loads) {
        int experts = EplbPlanner.checkLoads(loads, newDevices, newSlotsPerDevice);
        if (loads.length != current.layerCount() || experts != current.expertCount()) {
            throw new IllegalArgumentException("loads are " + loads.length + " layers x " + experts
                    + " experts but the placement has " + current.layerCount() + " x " + current.expertCount());
        }
        Placement scratch = eplb.rebalance(loads, newDevices, newSlotsPerDevice, current.epoch() + 1);
        int devicesPerNode = eplb.hierarchical(experts, newDevices) ? eplb.devicesPerNode(experts, newDevices)
                : newDevices;
        List<LayerPlacement> layers = new ArrayList<>(loads.length);
        for (int l = 0; l < loads.length; l++) {
            int[] start = startTable(current.layer(l), newDevices, newSlotsPerDevice, oldDeviceOfNew);
            LayerPlacement fresh = scratch.layer(l);
            double bound = (1 + tolerance) * ExpectedLoads.maxDevice(fresh, loads[l]);
            double replicaBound = (1 + tolerance) * ExpectedLoads.maxPerReplica(fresh, loads[l]);
            int[] renamed = renameToStart(fresh, start, newDevices, newSlotsPerDevice, devicesPerNode);
            int renamedCopies = copies(renamed, start);

            LayerSearch search = new LayerSearch(start, newDevices, newSlotsPerDevice, devicesPerNode, loads[l], bound,
                    replicaBound);
            search.placeOrphans();
            search.improve(renamedCopies);
            int[] repaired = search.slots();
            boolean useRepaired = search.withinBound() && copies(repaired, start) <= renamedCopies;
            int[] chosen = useRepaired ? repaired : renamed;
            layers.add(LayerPlacement.of(newDevices, newSlotsPerDevice, experts, chosen));
        }
        return PlanDiff.diff(current, Placement.of(current.epoch() + 1, layers), oldDeviceOfNew, sourceAvailable);
    }

    /** The current layer seen in the new device numbering: added devices and cut slots are empty. */
    private static int[] startTable(LayerPlacement cur, int newDevices, int newSlots, int[] oldDeviceOfNew) {
        int[] start = new int[newDevices * newSlots];
        Arrays.fill(start, LayerPlacement.EMPTY);
        for (int j = 0; j < newDevices; j++) {
            int old = oldDeviceOfNew[j];
            if (old < 0) {
                continue;
            }
            for (int s = 0; s < Math.min(newSlots, cur.slotsPerDevice()); s++) {
                start[j * newSlots + s] = cur.expertAt(old, s);
            }
        }
        return start;
    }

    /** Slots whose expert is new there (each one copy). */
    static int copies(int[] target, int[] start) {
        int n = 0;
        for (int g = 0; g < target.length; g++) {
            if (target[g] != LayerPlacement.EMPTY && target[g] != start[g]) {
                n++;
            }
        }
        return n;
    }

    /**
     * The fresh plan's device packs assigned to the start devices with the largest expert overlap;
     * on each device the overlapping experts stay in their slots and the rest fill the other slots.
     */
    private static int[] renameToStart(LayerPlacement fresh, int[] start, int devices, int slotsPerDevice,
                                       int devicesPerNode) {
        int experts = fresh.expertCount();
        int[][] freshCount = new int[devices][experts];
        int[][] startCount = new int[devices][experts];
        for (int g = 0; g < start.length; g++) {
            int d = g / slotsPerDevice;
            freshCount[d][fresh.expertAt(g)]++;
            if (start[g] != LayerPlacement.EMPTY) {
                startCount[d][start[g]]++;
            }
        }
        long[][] overlap = new long[devices][devices];
        for (int i = 0; i < devices; i++) {
            for (int j = 0; j < devices; j++) {
                long o = 0;
                for (int e = 0; e < experts; e++) {
                    o += Math.min(freshCount[i][e], startCount[j][e]);
                }
                overlap[i][j] = o;
            }
        }
        int[] deviceOfPack = DeviceMatching.maximiseByBlocks(overlap, devices / devicesPerNode);
        int[] target = new int[start.length];
        Arrays.fill(target, LayerPlacement.EMPTY);
        for (int pack = 0; pack < devices; pack++) {
            int j = deviceOfPack[pack];
            int[] remaining = freshCount[pack].clone();
            for (int s = 0; s < slotsPerDevice; s++) {
                int e = start[j * slotsPerDevice + s];
                if (e != LayerPlacement.EMPTY && remaining[e] > 0) {
                    target[j * slotsPerDevice + s] = e;
                    remaining[e]--;
                }
            }
            int s = 0;
            for (int f = 0; f < slotsPerDevice; f++) {
                int e = fresh.expertAt(pack, f);
                if (remaining[e] == 0) {
                    continue;
                }
                remaining[e]--;
                while (target[j * slotsPerDevice + s] != LayerPlacement.EMPTY) {
                    s++;
                }
                target[j * slotsPerDevice + s] = e;
            }
        }
        return target;
    }
}
