package dev.moesaic.engine.elastic;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.Arrays;

/**
 * Which experts each device holds, per MoE layer: {@code experts[layer][device]} is a sorted array of
 * distinct expert ids. This is all that matters for memory (a device finds an expert's slot by its
 * id); a {@link Placement} adds slot numbers for the router.
 */
record Membership(int expertCount, int[][][] experts) {

    static Membership of(Placement p) {
        int[][][] m = new int[p.layerCount()][p.deviceCount()][];
        for (int l = 0; l < p.layerCount(); l++) {
            LayerPlacement lp = p.layer(l);
            for (int d = 0; d < p.deviceCount(); d++) {
                int[] held = new int[lp.slotsPerDevice()];
                int n = 0;
                for (int s = 0; s < lp.slotsPerDevice(); s++) {
                    int e = lp.expertAt(d, s);
                    if (e != LayerPlacement.EMPTY) {
                        held[n++] = e;
                    }
                }
                m[l][d] = Arrays.stream(held, 0, n).sorted().distinct().toArray();
            }
        }
        return new Membership(p.expertCount(), m);
    }

    /**
     * The plan's target in another device numbering: device {@code j} of {@code target} becomes
     * device {@code indexOf[j]} of a list of {@code deviceCount} devices; the others hold nothing.
     */
    static Membership renumbered(Placement target, int[] indexOf, int deviceCount) {
        Membership t = of(target);
        int[][][] m = new int[t.layers()][deviceCount][];
        for (int l = 0; l < t.layers(); l++) {
            for (int d = 0; d < deviceCount; d++) {
                m[l][d] = new int[0];
            }
            for (int j = 0; j < indexOf.length; j++) {
                m[l][indexOf[j]] = t.experts[l][j];
            }
        }
        return new Membership(t.expertCount, m);
    }

    int layers() {
        return experts.length;
    }

    int devices() {
        return experts.length == 0 ? 0 : experts[0].length;
    }

    int[] held(int layer, int device) {
        return experts[layer][device];
    }

    boolean holds(int layer, int device, int expert) {
        return Arrays.binarySearch(experts[layer][device], expert) >= 0;
    }

    /** A copy with {@code devices} devices: existing ones keep their experts, new ones hold nothing. */
    Membership withDevices(int devices) {
        int[][][] m = new int[layers()][devices][];
        for (int l = 0; l < layers(); l++) {
            for (int d = 0; d < devices; d++) {
                m[l][d] = d < devices() ? experts[l][d] : new int[0];
            }
        }
        return new Membership(expertCount, m);
    }

    /** A copy whose layer {@code layer} is taken from {@code other}. */
    Membership withLayer(int layer, Membership other) {
        int[][][] m = experts.clone();
        m[layer] = other.experts[layer];
        return new Membership(expertCount, m);
    }

    /** Only the devices at {@code indexes}, in that order. */
    Membership select(int[] indexes) {
        int[][][] m = new int[layers()][indexes.length][];
        for (int l = 0; l < layers(); l++) {
            for (int j = 0; j < indexes.length; j++) {
                m[l][j] = experts[l][indexes[j]];
            }
        }
        return new Membership(expertCount, m);
    }

    /** As a placement: each device's experts in its first slots, the rest empty. */
    Placement toPlacement(long epoch) {
        int slots = 1;
        for (int[][] layer : experts) {
            for (int[] held : layer) {
                slots = Math.max(slots, held.length);
            }
        }
        int devices = devices();
        int[][] tables = new int[layers()][devices * slots];
        for (int l = 0; l < layers(); l++) {
            Arrays.fill(tables[l], LayerPlacement.EMPTY);
            for (int d = 0; d < devices; d++) {
                System.arraycopy(experts[l][d], 0, tables[l], d * slots, experts[l][d].length);
            }
        }
        return Placement.of(epoch, devices, slots, expertCount, tables);
    }

    /** Expert copies the layer needs to get from this membership to {@code target}: [device][experts]. */
    int[][] missing(int layer, Membership target) {
        int[][] out = new int[devices()][];
        for (int d = 0; d < devices(); d++) {
            int dd = d;
            out[d] = Arrays.stream(target.experts[layer][d]).filter(e -> !holds(layer, dd, e)).toArray();
        }
        return out;
    }

    /** Experts a device holds now that {@code target} no longer puts there: [device][experts]. */
    int[][] surplus(int layer, Membership target) {
        return target.missing(layer, this);
    }
}
