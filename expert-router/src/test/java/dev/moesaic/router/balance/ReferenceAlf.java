package dev.moesaic.router.balance;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.HashMap;
import java.util.Map;

/** The slow twin of {@link AlfBalancer} for one fixed placement: prices in a map, loads recounted each time. */
final class ReferenceAlf {
    private final double step;
    private final double cap;
    private final Map<String, Double> prices = new HashMap<>();

    ReferenceAlf(double step, double cap) {
        this.step = step;
        this.cap = cap;
    }

    double price(int layer, int slot) {
        return prices.getOrDefault(layer + "/" + slot, 0.0);
    }

    int[] choose(Placement placement, int layer, int[] experts, int count) {
        LayerPlacement p = placement.layer(layer);
        int[] chosen = new int[count];
        boolean[] decided = new boolean[count];
        for (int i = 0; i < count; i++) {
            if (p.replicaCount(experts[i]) == 1) {
                chosen[i] = p.replica(experts[i], 0);
                decided[i] = true;
            }
        }
        double fair = Math.max(1.0, (double) count / p.deviceCount());
        for (int i = 0; i < count; i++) {
            if (decided[i]) {
                continue;
            }
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int slot : p.replicas(experts[i])) {
                double cost = loadOfDevice(p, chosen, decided, p.deviceOf(slot)) / fair - price(layer, slot);
                if (cost < bestCost) {
                    bestCost = cost;
                    best = slot;
                }
            }
            chosen[i] = best;
            decided[i] = true;
        }
        double mean = (double) count / p.deviceCount();
        for (int g = 0; g < p.physicalSlotCount() && count > 0; g++) {
            double load = loadOfDevice(p, chosen, decided, p.deviceOf(g));
            double next = price(layer, g) + step * Math.signum(mean - load);
            prices.put(layer + "/" + g, Math.max(-cap, Math.min(cap, next)));
        }
        return chosen;
    }

    private static int loadOfDevice(LayerPlacement p, int[] chosen, boolean[] decided, int device) {
        int n = 0;
        for (int i = 0; i < chosen.length; i++) {
            if (decided[i] && p.deviceOf(chosen[i]) == device) {
                n++;
            }
        }
        return n;
    }
}
