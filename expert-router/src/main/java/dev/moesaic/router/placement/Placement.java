package dev.moesaic.router.placement;

import java.util.List;
import java.util.Objects;

/**
 * Where every MoE layer's experts live, at one placement epoch. Immutable, so the engine publishes
 * a new one with a single reference write (e.g. an {@code AtomicReference}) at an iteration boundary
 * and an iteration that started on epoch E finishes on E. All layers share the device count and
 * the slots per device (one expert-slot region per device and layer).
 */
public final class Placement {
    private final long epoch;
    private final int deviceCount;
    private final int slotsPerDevice;
    private final int expertCount;
    private final List<LayerPlacement> layers;

    private Placement(long epoch, List<LayerPlacement> layers) {
        this.epoch = epoch;
        this.layers = List.copyOf(layers);
        LayerPlacement first = this.layers.getFirst();
        this.deviceCount = first.deviceCount();
        this.slotsPerDevice = first.slotsPerDevice();
        this.expertCount = first.expertCount();
    }

    /** A placement from layer placements that agree on devices, slots and experts. */
    public static Placement of(long epoch, List<LayerPlacement> layers) {
        Objects.requireNonNull(layers, "layers");
        if (layers.isEmpty()) {
            throw new InvalidPlacementException("a placement needs at least one MoE layer");
        }
        LayerPlacement first = layers.getFirst();
        for (int l = 0; l < layers.size(); l++) {
            LayerPlacement p = layers.get(l);
            if (p.deviceCount() != first.deviceCount() || p.slotsPerDevice() != first.slotsPerDevice()
                    || p.expertCount() != first.expertCount()) {
                throw new InvalidPlacementException("layer " + l + " has " + p.deviceCount() + " devices x "
                        + p.slotsPerDevice() + " slots for " + p.expertCount() + " experts, layer 0 has "
                        + first.deviceCount() + " x " + first.slotsPerDevice() + " for " + first.expertCount()
                        + ": all layers must share one shape");
            }
        }
        return new Placement(epoch, layers);
    }

    /** A placement from per-layer slot tables (global slot -> logical expert or {@link LayerPlacement#EMPTY}). */
    public static Placement of(long epoch, int deviceCount, int slotsPerDevice, int expertCount, int[][] slotExperts) {
        LayerPlacement[] layers = new LayerPlacement[slotExperts.length];
        for (int l = 0; l < layers.length; l++) {
            try {
                layers[l] = LayerPlacement.of(deviceCount, slotsPerDevice, expertCount, slotExperts[l]);
            } catch (InvalidPlacementException e) {
                throw new InvalidPlacementException("layer " + l + ": " + e.getMessage());
            }
        }
        return of(epoch, List.of(layers));
    }

    /** The same layout under another epoch. */
    public Placement withEpoch(long newEpoch) {
        return new Placement(newEpoch, layers);
    }

    public long epoch() {
        return epoch;
    }

    public int deviceCount() {
        return deviceCount;
    }

    public int slotsPerDevice() {
        return slotsPerDevice;
    }

    public int expertCount() {
        return expertCount;
    }

    public int layerCount() {
        return layers.size();
    }

    public LayerPlacement layer(int layer) {
        return layers.get(layer);
    }

    public List<LayerPlacement> layers() {
        return layers;
    }

    /** Same slot tables, ignoring the epoch. */
    public boolean sameLayout(Placement other) {
        return layers.equals(other.layers);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Placement p && p.epoch == epoch && p.layers.equals(layers);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + layers.hashCode();
    }

    @Override
    public String toString() {
        return "Placement{epoch=" + epoch + ", " + layers.size() + " layers x " + deviceCount + " devices x "
                + slotsPerDevice + " slots, " + expertCount + " experts}";
    }
}
