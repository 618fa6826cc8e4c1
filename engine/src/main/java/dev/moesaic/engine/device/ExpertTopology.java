package dev.moesaic.engine.device;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import dev.moesaic.memory.ExpertSlots;
import java.util.List;

/**
 * One placement epoch made concrete: which device object stands at each placement index, and the
 * tensor views of every expert each device holds. Immutable; the engine loop swaps the whole object
 * between iterations, so an iteration runs entirely on one epoch.
 */
public final class ExpertTopology {
    private final Placement placement;
    private final Device[] devices;
    private final ExpertTensors[][][] tensors; // [device index][moe layer][expert]

    private ExpertTopology(Placement placement, Device[] devices, ExpertTensors[][][] tensors) {
        this.placement = placement;
        this.devices = devices;
        this.tensors = tensors;
    }

    /**
     * Resolves {@code placement} against the devices' slots. Every expert the placement puts on a
     * device must already be loaded in that device's slots for the layer.
     */
    public static ExpertTopology resolve(Placement placement, List<Device> devices, ExpertLayout[] layouts) {
        if (placement.deviceCount() != devices.size()) {
            throw new IllegalArgumentException("placement epoch " + placement.epoch() + " has " + placement.deviceCount()
                    + " devices, " + devices.size() + " given");
        }
        Device[] ds = devices.toArray(Device[]::new);
        int layers = placement.layerCount();
        ExpertTensors[][][] t = new ExpertTensors[ds.length][layers][placement.expertCount()];
        for (int d = 0; d < ds.length; d++) {
            for (int m = 0; m < layers; m++) {
                LayerPlacement lp = placement.layer(m);
                ExpertSlots slots = ds[d].slots(m);
                for (int s = 0; s < lp.slotsPerDevice(); s++) {
                    int e = lp.expertAt(d, s);
                    if (e == LayerPlacement.EMPTY || t[d][m][e] != null) {
                        continue;
                    }
                    int physical = slots.slotOf(e);
                    if (physical < 0) {
                        throw new IllegalStateException("placement epoch " + placement.epoch() + " puts expert " + e + " of MoE layer "
                                + m + " on " + ds[d] + ", which has not loaded it");
                    }
                    t[d][m][e] = layouts[m].view(slots.slotSegment(physical));
                }
            }
        }
        return new ExpertTopology(placement, ds, t);
    }

    public Placement placement() {
        return placement;
    }

    public long epoch() {
        return placement.epoch();
    }

    public int deviceCount() {
        return devices.length;
    }

    public Device device(int index) {
        return devices[index];
    }

    public List<Device> devices() {
        return List.of(devices);
    }

    ExpertTensors expert(int device, int moeLayer, int expert) {
        return tensors[device][moeLayer][expert];
    }
}
