package dev.moesaic.engine.device;

import dev.moesaic.engine.forward.KvLayout;
import dev.moesaic.engine.kernel.ComputeLane;
import dev.moesaic.engine.model.LayerWeights;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.ModelConfig;
import dev.moesaic.memory.ExpertSlots;
import dev.moesaic.memory.MemoryMetrics;
import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.ArrayList;
import java.util.List;

/**
 * The devices a model runs on and the experts they hold. The fleet creates devices (pool, lane,
 * expert slots, KV blocks), loads experts from the model into their slots, and resolves placements
 * into {@link ExpertTopology}s. Scaling adds and retires devices through it; experts then move
 * between device pools, never by re-reading the model file (the file is only the last resort when a
 * failed device held the only replica).
 */
public final class DeviceFleet implements AutoCloseable {
    /** Pool owner names of expert slots start with this (KV blocks are owned by "kv-cache"). */
    public static final String EXPERT_OWNER_PREFIX = "moe-layer-";
    private final LoadedModel model;
    private final DeviceOptions options;
    private final ExpertLayout[] layouts;
    private final int[] moeIndexOfLayer;
    private final KvLayout kvLayout;
    private final long poolBytes;
    private final int slotsPerLayer;
    private final ComputeLane primaryLane;
    private final MemoryMetrics metrics;
    private final List<Device> all = new ArrayList<>();
    private int nextId;

    public DeviceFleet(LoadedModel model, DeviceOptions options, ComputeLane primaryLane, MemoryMetrics metrics) {
        ModelConfig c = model.config();
        if (!c.isMoe()) {
            throw new IllegalArgumentException(model.id() + " is a dense model: expert parallelism needs an MoE model");
        }
        this.model = model;
        this.options = options;
        this.primaryLane = primaryLane;
        this.metrics = metrics;
        List<ExpertLayout> ls = new ArrayList<>();
        moeIndexOfLayer = new int[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = model.weights().layers().get(l);
            moeIndexOfLayer[l] = w.isMoe() ? ls.size() : -1;
            if (w.isMoe()) {
                ls.add(new ExpertLayout(w));
            }
        }
        layouts = ls.toArray(ExpertLayout[]::new);
        kvLayout = model.kvLayout(options.kvBlockTokens());
        // Address space for every expert of a layer (plus as many replicas), so any placement fits a device;
        // only occupied slots take pool pages.
        slotsPerLayer = 2 * c.experts();
        long expertBytes = 0;
        for (ExpertLayout l : layouts) {
            expertBytes += roundUp(l.expertBytes(), options.pageBytes()) * c.experts();
        }
        long kvBytes = roundUp(kvLayout.blockBytes() * options.kvBlocks(), options.pageBytes());
        poolBytes = options.poolBytes() > 0 ? options.poolBytes() : expertBytes + kvBytes;
    }

    private static long roundUp(long bytes, long page) {
        return (bytes + page - 1) / page * page;
    }

    public LoadedModel model() {
        return model;
    }

    public ExpertLayout[] layouts() {
        return layouts.clone();
    }

    public ExpertLayout layout(int moeLayer) {
        return layouts[moeLayer];
    }

    public int moeLayers() {
        return layouts.length;
    }

    /** For each transformer layer, its index among MoE layers, or -1 for a dense layer. */
    public int[] moeIndexOfLayer() {
        return moeIndexOfLayer.clone();
    }

    public KvLayout kvLayout() {
        return kvLayout;
    }

    public MemoryMetrics metrics() {
        return metrics;
    }

    /**
     * Brings up a new, empty device. The first device computes on the engine's primary lane when the
     * fleet is given one; later devices get lanes of their own.
     */
    public synchronized Device addDevice(int threads) {
        boolean first = all.isEmpty();
        Device d = new Device(nextId++, poolBytes, options.pageBytes(), layouts, slotsPerLayer, kvLayout, options.kvBlocks(),
                first ? primaryLane : null, threads, metrics);
        all.add(d);
        return d;
    }

    /** Closes a device that no placement uses any more and whose KV blocks are all free. */
    public synchronized void retire(Device d) {
        if (all.remove(d)) {
            d.close();
        }
    }

    public synchronized List<Device> devices() {
        return List.copyOf(all);
    }

    /** Copies, from the model's weights, every expert {@code placement} puts on a device that does not hold it yet. */
    public void loadFromModel(Placement placement, List<Device> devices) {
        for (int d = 0; d < devices.size(); d++) {
            Device device = devices.get(d);
            for (int m = 0; m < layouts.length; m++) {
                LayerPlacement lp = placement.layer(m);
                ExpertSlots slots = device.slots(m);
                for (int s = 0; s < lp.slotsPerDevice(); s++) {
                    int e = lp.expertAt(d, s);
                    if (e != LayerPlacement.EMPTY && slots.slotOf(e) < 0) {
                        ExpertLayout layout = layouts[m];
                        slots.place(freeSlot(slots), e, seg -> layout.copyFromModel(e, seg));
                    }
                }
            }
        }
    }

    /** The lowest empty physical slot. */
    public static int freeSlot(ExpertSlots slots) {
        for (int s = 0; s < slots.slotCount(); s++) {
            if (slots.expertAt(s) == ExpertSlots.EMPTY) {
                return s;
            }
        }
        throw new IllegalStateException(slots.name() + " has no free slot");
    }

    @Override
    public synchronized void close() {
        for (Device d : all) {
            d.close();
        }
        all.clear();
    }
}
