package dev.moesaic.router.planner;

import java.util.Arrays;
import java.util.Comparator;

/**
 * EPLB's balanced packing: n weighted items into m packs of exactly n/m items each. Items are taken
 * heaviest first (equal weights: lower index first) and each goes to the currently lightest pack
 * that still has room (equal loads: lower pack index).
 *
 * <p><b>Bound.</b> For non-negative weights, every two packs end within the heaviest item's weight
 * of each other: {@code max load - min load <= max weight}, hence {@code max load <= mean load + max weight}.
 * Proof. Write {@code x} for the weight of the next item to place (it never grows, items come in
 * descending order) and {@code X} for the heaviest item. Two invariants hold after every step, for
 * every pack g and every pack h that still has room: (A) {@code load_g <= load_h + X};
 * (C) {@code load_g + (count_h - count_g) * x <= load_h + X}. Both hold at the start (all zero).
 * When an item of weight x goes to p, the lightest pack with room: for h with room,
 * {@code load_p + x <= load_h + x <= load_h + X} keeps (A); (C) for g = p follows from (C) before the
 * step with the smaller next weight; (C) for h = p gains x on both sides (its left side grows by at
 * most {@code x' <= x}, the new next weight); for other pairs the next weight only shrinks, which
 * only loosens (C) when {@code count_h > count_g} and leaves (A) to cover the rest. Now take the
 * final loads of any g and h and let x be the item that filled h (h had {@code q - 1} items). If g
 * was already full, (A) just before that step gives {@code final_g <= load_h + X <= final_h + X}.
 * Otherwise g still receives {@code q - count_g} items, each no heavier than x, so
 * {@code final_g <= load_g + (q - count_g) x = [load_g + (count_h - count_g) x] + x <= load_h + X + x
 * = final_h + X} by (C). With one item per pack the bound is trivial.
 */
final class BalancedPacking {
    /** pack[i] = the pack of item i; rank[i] = its position inside that pack (0-based, order of arrival). */
    record Packing(int[] pack, int[] rank) {
    }

    private BalancedPacking() {
    }

    static Packing pack(double[] weights, int packs) {
        int n = weights.length;
        if (packs < 1 || n % packs != 0) {
            throw new IllegalArgumentException(n + " items cannot be split evenly over " + packs + " packs");
        }
        int perPack = n / packs;
        int[] pack = new int[n];
        int[] rank = new int[n];
        if (perPack == 1) {
            // EPLB keeps the identity here: item i alone in pack i
            for (int i = 0; i < n; i++) {
                pack[i] = i;
            }
            return new Packing(pack, rank);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // a stable sort: equal weights keep ascending index order
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> weights[i]).reversed());
        double[] load = new double[packs];
        int[] count = new int[packs];
        for (int item : order) {
            int best = -1;
            for (int p = 0; p < packs; p++) {
                if (count[p] < perPack && (best < 0 || load[p] < load[best])) {
                    best = p;
                }
            }
            pack[item] = best;
            rank[item] = count[best];
            load[best] += weights[item];
            count[best]++;
        }
        return new Packing(pack, rank);
    }
}
