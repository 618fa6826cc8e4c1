package dev.moesaic.router.balance;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.Arrays;

/**
 * Auxiliary-loss-free (ALF-LB) replica balancing. Each replica r (a physical slot) has a dual price
 * b_r. Within one layer's call, assignments of single-replica experts are fixed first; then each
 * assignment of a replicated expert goes to the replica with the lowest price-adjusted load
 * {@code load(device of r) / fairShare - b_r} (ties: lower replica index), and that device's load
 * grows by one. After the call, every replica's price follows the ALF rule
 * {@code b_r <- clamp(b_r + u * sign(fairShare - load(device of r)), -cap, cap)}: replicas on
 * overloaded devices get cheaper to skip, those on underloaded devices more attractive.
 *
 * <p>Load scale: loads are measured in units of the fair share {@code fairShare = assignments /
 * devices} of the current call, so a price of 0.01 is worth 1% of a device's fair share whatever the
 * batch size; the default step u = 0.001 is relative to that unit. The cap (default 0.05, reached
 * after 50 one-sided iterations) bounds how far prices can bias the choice away from the
 * in-iteration loads: a device that cannot reach the mean (too little replicated load on it) would
 * otherwise collect a large price that misroutes traffic long after a re-plan changed its experts.
 *
 * <p>Deterministic: the same placement, loads history and inputs give the same choices. Prices
 * follow the placement's epoch: on a new epoch, slots that still hold the same expert on the same
 * device keep their price, the others start at 0. Call once per layer per iteration, from one
 * thread at a time.
 */
public final class AlfBalancer implements ReplicaSelector {
    public static final double DEFAULT_STEP = 0.001;
    public static final double DEFAULT_PRICE_CAP = 0.05;

    private final double step;
    private final double cap;
    private Placement bound;
    private double[][] prices = new double[0][];

    public AlfBalancer(double step, double priceCap) {
        if (!(step >= 0) || Double.isInfinite(step) || !(priceCap >= 0) || Double.isInfinite(priceCap)) {
            throw new IllegalArgumentException("step and priceCap must be finite and >= 0, got " + step + " and "
                    + priceCap);
        }
        this.step = step;
        this.cap = priceCap;
    }

    public AlfBalancer() {
        this(DEFAULT_STEP, DEFAULT_PRICE_CAP);
    }

    public double step() {
        return step;
    }

    /** Current price of a global slot in a layer (0 before the layer's first call on this placement). */
    public double price(int layer, int globalSlot) {
        return layer < prices.length && prices[layer] != null ? prices[layer][globalSlot] : 0;
    }

    @Override
    public void choose(Placement placement, int layer, int[] experts, int count, int[] chosenSlots, int[] deviceLoads) {
        follow(placement);
        LayerPlacement p = placement.layer(layer);
        double[] price = prices[layer];
        int devices = p.deviceCount();
        Arrays.fill(deviceLoads, 0, devices, 0);
        // single-replica experts have no choice: their load is known before choosing the others
        for (int i = 0; i < count; i++) {
            int e = experts[i];
            ReplicaSelector.checkExpert(placement, layer, i, e);
            if (p.replicaCount(e) == 1) {
                int slot = p.replica(e, 0);
                chosenSlots[i] = slot;
                deviceLoads[p.deviceOf(slot)]++;
            }
        }
        double fair = Math.max(1.0, (double) count / devices);
        for (int i = 0; i < count; i++) {
            int e = experts[i];
            int replicas = p.replicaCount(e);
            if (replicas == 1) {
                continue;
            }
            int best = p.replica(e, 0);
            double bestCost = deviceLoads[p.deviceOf(best)] / fair - price[best];
            for (int r = 1; r < replicas; r++) {
                int slot = p.replica(e, r);
                double cost = deviceLoads[p.deviceOf(slot)] / fair - price[slot];
                if (cost < bestCost) {
                    best = slot;
                    bestCost = cost;
                }
            }
            chosenSlots[i] = best;
            deviceLoads[p.deviceOf(best)]++;
        }
        if (count > 0) {
            updatePrices(p, price, deviceLoads, (double) count / devices);
        }
    }

    private void updatePrices(LayerPlacement p, double[] price, int[] deviceLoads, double mean) {
        for (int g = 0; g < price.length; g++) {
            double load = deviceLoads[p.deviceOf(g)];
            double next = price[g] + step * Math.signum(mean - load);
            price[g] = Math.max(-cap, Math.min(cap, next));
        }
    }

    /** Re-keys the prices when the engine switched to another placement epoch. */
    private void follow(Placement placement) {
        if (bound == placement) {
            return;
        }
        if (bound != null && bound.sameLayout(placement)) {
            bound = placement;
            return;
        }
        double[][] next = new double[placement.layerCount()][];
        for (int l = 0; l < next.length; l++) {
            LayerPlacement now = placement.layer(l);
            next[l] = new double[now.physicalSlotCount()];
            if (bound != null && l < bound.layerCount() && sameShape(bound.layer(l), now)) {
                LayerPlacement before = bound.layer(l);
                for (int g = 0; g < next[l].length; g++) {
                    if (before.expertAt(g) == now.expertAt(g)) {
                        next[l][g] = prices[l][g];
                    }
                }
            }
        }
        prices = next;
        bound = placement;
    }

    private static boolean sameShape(LayerPlacement a, LayerPlacement b) {
        return a.deviceCount() == b.deviceCount() && a.slotsPerDevice() == b.slotsPerDevice();
    }
}
