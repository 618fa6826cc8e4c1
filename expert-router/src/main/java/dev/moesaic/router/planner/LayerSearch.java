package dev.moesaic.router.planner;

import dev.moesaic.router.placement.LayerPlacement;
import java.util.Arrays;

/**
 * Few-move repair of one layer's slot table: starting from where the experts are now, place the
 * experts that lost every replica, then take the best single action per step until every device's
 * expected load is at most {@code bound} and every expert's load per replica at most
 * {@code replicaBound}, or no action helps. Actions, with their cost in copies:
 * drop a replica (0), move a replica into an empty slot on another device (1), add a replica of an
 * expert into an empty slot or over a spare replica (1), swap two replicas across devices (2). An
 * action is taken only if it lowers the total excess {@code sum_d max(0, load_d - bound) +
 * sum_e max(0, load_e / replicas_e - replicaBound)}, so the
 * search ends; the step with the best excess reduction per copy wins (ties: the first found in slot
 * order, hence deterministic).
 */
final class LayerSearch {
    private static final int EMPTY = LayerPlacement.EMPTY;

    private final int devices;
    private final int slotsPerDevice;
    private final int devicesPerNode;
    private final double[] weight;
    private final double bound;
    private final double replicaBound;
    private final double minGain;
    private final int[] slots;
    private final int[] count;
    private final int[][] onDevice; // [expert][device]: replicas of the expert on the device
    private double[] load;

    // scratch for evaluating an action's effect on the touched devices only
    private final double[] delta;
    private final int[] touched;
    private final boolean[] isTouched;
    private int touchedCount;
    // staged replica-count changes: at most two experts per action
    private final int[] countExpert = new int[2];
    private final int[] countChange = new int[2];
    private int countChanges;

    private int spent;

    LayerSearch(int[] start, int devices, int slotsPerDevice, int devicesPerNode, double[] weight, double bound,
                double replicaBound) {
        this.devices = devices;
        this.slotsPerDevice = slotsPerDevice;
        this.devicesPerNode = devicesPerNode;
        this.weight = weight;
        this.bound = bound;
        this.replicaBound = replicaBound;
        this.slots = start.clone();
        this.count = new int[weight.length];
        for (int e : slots) {
            if (e != EMPTY) {
                count[e]++;
            }
        }
        this.onDevice = new int[weight.length][devices];
        double total = 0;
        for (double w : weight) {
            total += w;
        }
        this.minGain = 1e-12 * (total + 1);
        this.delta = new double[devices];
        this.touched = new int[devices];
        this.isTouched = new boolean[devices];
        recomputeLoads();
    }

    int[] slots() {
        return slots.clone();
    }

    double excess() {
        double x = 0;
        for (double l : load) {
            x += over(l);
        }
        for (int e = 0; e < weight.length; e++) {
            x += replicaExcess(e, count[e]);
        }
        return x;
    }

    boolean withinBound() {
        return excess() <= minGain;
    }

    /** Gives every expert without a replica one slot: an empty slot on the lightest device, else over a spare replica. */
    void placeOrphans() {
        Integer[] orphans = Arrays.stream(indices(weight.length)).filter(e -> count[e] == 0).boxed()
                .sorted((a, b) -> weight[a] != weight[b] ? Double.compare(weight[b], weight[a]) : Integer.compare(a, b))
                .toArray(Integer[]::new);
        for (int e : orphans) {
            int target = -1;
            for (int g = 0; g < slots.length; g++) {
                if (slots[g] == EMPTY && (target < 0 || load[g / slotsPerDevice] < load[target / slotsPerDevice])) {
                    target = g;
                }
            }
            if (target < 0) {
                double bestMax = Double.POSITIVE_INFINITY;
                for (int g = 0; g < slots.length; g++) {
                    int f = slots[g];
                    if (f != EMPTY && count[f] >= 2) {
                        stageReplicate(e, g);
                        double max = maxAfterStage();
                        clearStage();
                        if (max < bestMax) {
                            bestMax = max;
                            target = g;
                        }
                    }
                }
            }
            if (target < 0) {
                throw new IllegalStateException("no slot left for expert " + e + ": more experts than slots");
            }
            replicate(e, target);
        }
    }

    /** Improves until within the bound, stuck, or more than {@code budget} copies were spent. */
    void improve(int budget) {
        int steps = 0;
        int maxSteps = 4 * slots.length + 16;
        while (!withinBound() && spent <= budget && steps++ < maxSteps) {
            Action best = bestAction();
            if (best == null) {
                return;
            }
            apply(best);
        }
    }

    int spent() {
        return spent;
    }

    private record Action(int kind, int source, int target, double score) {
        static final int DROP = 0;
        static final int MOVE = 1;
        static final int REPLICATE = 2;
        static final int SWAP = 3;
    }

    private Action bestAction() {
        Action best = null;
        for (int s = 0; s < slots.length; s++) {
            int e = slots[s];
            int a = s / slotsPerDevice;
            if (e == EMPTY || over(load[a]) <= 0) {
                continue;
            }
            if (count[e] >= 2) {
                stageDrop(s);
                best = better(best, Action.DROP, s, -1, 0);
            }
            for (int t = 0; t < slots.length; t++) {
                int b = t / slotsPerDevice;
                if (b == a || !sameNode(a, b)) {
                    continue;
                }
                int f = slots[t];
                if (f == EMPTY) {
                    stageMove(s, t);
                    best = better(best, Action.MOVE, s, t, 1);
                } else if (f != e) {
                    stageSwap(s, t);
                    best = better(best, Action.SWAP, s, t, 2);
                }
                if ((f == EMPTY || (f != e && count[f] >= 2)) && !hosts(b, e)) {
                    stageReplicate(e, t);
                    best = better(best, Action.REPLICATE, s, t, 1);
                }
            }
        }
        // experts whose load per replica is too high: one more replica anywhere it fits
        for (int e = 0; e < weight.length; e++) {
            if (count[e] == 0 || replicaExcess(e, count[e]) <= 0) {
                continue;
            }
            int s = firstReplica(e);
            for (int t = 0; t < slots.length; t++) {
                int b = t / slotsPerDevice;
                int f = slots[t];
                if (sameNode(s / slotsPerDevice, b) && (f == EMPTY || (f != e && count[f] >= 2)) && !hosts(b, e)) {
                    stageReplicate(e, t);
                    best = better(best, Action.REPLICATE, s, t, 1);
                }
            }
        }
        return best;
    }

    private int firstReplica(int e) {
        for (int g = 0; g < slots.length; g++) {
            if (slots[g] == e) {
                return g;
            }
        }
        throw new IllegalStateException("expert " + e + " has no replica");
    }

    private double replicaExcess(int e, int replicas) {
        return replicas == 0 ? 0 : Math.max(0, weight[e] / replicas - replicaBound);
    }

    private void stageCount(int e, int change) {
        countExpert[countChanges] = e;
        countChange[countChanges++] = change;
    }

    private Action better(Action best, int kind, int source, int target, int cost) {
        double gain = -excessChange();
        clearStage();
        if (gain <= minGain) {
            return best;
        }
        double score = gain / (cost + 0.25);
        return best == null || score > best.score ? new Action(kind, source, target, score) : best;
    }

    private void apply(Action action) {
        int s = action.source;
        int t = action.target;
        int e = slots[s];
        switch (action.kind) {
            case Action.DROP -> {
                slots[s] = EMPTY;
                count[e]--;
            }
            case Action.MOVE -> {
                slots[t] = e;
                slots[s] = EMPTY;
                spent += 1;
            }
            case Action.SWAP -> {
                slots[s] = slots[t];
                slots[t] = e;
                spent += 2;
            }
            default -> replicate(e, t);
        }
        recomputeLoads();
    }

    private void replicate(int e, int target) {
        int f = slots[target];
        if (f != EMPTY) {
            count[f]--;
        }
        slots[target] = e;
        count[e]++;
        spent += 1;
        recomputeLoads();
    }

    private void stageDrop(int s) {
        int e = slots[s];
        stageCount(e, -1);
        stageShareChange(e, count[e] - 1);
        stage(s / slotsPerDevice, -weight[e] / (count[e] - 1));
    }

    /** Every replica of e changes from load/count to load/newCount. */
    private void stageShareChange(int e, int newCount) {
        double change = weight[e] / newCount - weight[e] / count[e];
        int[] hosted = onDevice[e];
        for (int d = 0; d < devices; d++) {
            if (hosted[d] > 0) {
                stage(d, hosted[d] * change);
            }
        }
    }

    private void stageMove(int s, int t) {
        int e = slots[s];
        double share = weight[e] / count[e];
        stage(s / slotsPerDevice, -share);
        stage(t / slotsPerDevice, share);
    }

    private void stageSwap(int s, int t) {
        double shareS = weight[slots[s]] / count[slots[s]];
        double shareT = weight[slots[t]] / count[slots[t]];
        stage(s / slotsPerDevice, shareT - shareS);
        stage(t / slotsPerDevice, shareS - shareT);
    }

    /** Effect of putting a new replica of e into slot t (replacing a spare replica of whatever is there). */
    private void stageReplicate(int e, int t) {
        int f = slots[t];
        stageCount(e, +1);
        if (f != EMPTY) {
            stageCount(f, -1);
        }
        if (count[e] > 0) {
            stageShareChange(e, count[e] + 1);
        }
        stage(t / slotsPerDevice, weight[e] / (count[e] + 1));
        if (f != EMPTY) {
            stageShareChange(f, count[f] - 1);
            stage(t / slotsPerDevice, -weight[f] / (count[f] - 1));
        }
    }

    private void stage(int device, double amount) {
        if (!isTouched[device]) {
            isTouched[device] = true;
            touched[touchedCount++] = device;
        }
        delta[device] += amount;
    }

    private double excessChange() {
        double change = 0;
        for (int i = 0; i < countChanges; i++) {
            int e = countExpert[i];
            change += replicaExcess(e, count[e] + countChange[i]) - replicaExcess(e, count[e]);
        }
        for (int i = 0; i < touchedCount; i++) {
            int d = touched[i];
            change += over(load[d] + delta[d]) - over(load[d]);
        }
        return change;
    }

    private double maxAfterStage() {
        double max = 0;
        for (int d = 0; d < devices; d++) {
            max = Math.max(max, load[d] + (isTouched[d] ? delta[d] : 0));
        }
        return max;
    }

    private void clearStage() {
        countChanges = 0;
        for (int i = 0; i < touchedCount; i++) {
            int d = touched[i];
            delta[d] = 0;
            isTouched[d] = false;
        }
        touchedCount = 0;
    }

    private boolean hosts(int device, int e) {
        return onDevice[e][device] > 0;
    }

    private boolean sameNode(int a, int b) {
        return a / devicesPerNode == b / devicesPerNode;
    }

    private double over(double l) {
        return Math.max(0, l - bound);
    }

    private void recomputeLoads() {
        load = ExpectedLoads.perDevice(slots, devices, slotsPerDevice, weight);
        for (int[] row : onDevice) {
            Arrays.fill(row, 0);
        }
        for (int g = 0; g < slots.length; g++) {
            if (slots[g] != EMPTY) {
                onDevice[slots[g]][g / slotsPerDevice]++;
            }
        }
    }

    private static int[] indices(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
