package dev.moesaic.engine.device;

import dev.moesaic.engine.forward.ExpertExecutor;
import dev.moesaic.router.dispatch.DispatchPlan;
import dev.moesaic.router.dispatch.Dispatcher;
import dev.moesaic.router.stats.LoadStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Expert parallelism: each MoE layer's assignments are dispatched to the devices holding the chosen
 * replicas (ALF-LB picks among replicas), every device runs its experts as grouped matmuls on its own
 * lane, all devices in parallel, and each assignment's output lands in its own row. The transformer
 * combines rows per token in a fixed order, so outputs never depend on placement or device count.
 *
 * <p>Used by one engine loop thread; {@link #setTopology} is called by that thread between iterations.
 */
public final class DeviceExpertExecutor implements ExpertExecutor {
    private final int hidden;
    private final int[] moeIndexOfLayer;
    private final Dispatcher dispatcher;
    private final LoadStatistics statistics;
    private final int lastMoeIndex;
    private DispatchPlan plan;
    private ExpertTopology topology;

    /**
     * @param moeIndexOfLayer for each transformer layer its index among MoE layers (-1 for dense layers)
     * @param statistics      receives per-layer expert and device loads (may be null)
     */
    public DeviceExpertExecutor(int hidden, int[] moeIndexOfLayer, Dispatcher dispatcher, LoadStatistics statistics,
                                ExpertTopology topology) {
        this.hidden = hidden;
        this.moeIndexOfLayer = moeIndexOfLayer.clone();
        this.dispatcher = dispatcher;
        this.statistics = statistics;
        this.topology = topology;
        this.lastMoeIndex = java.util.Arrays.stream(moeIndexOfLayer).max().orElse(-1);
    }

    /** Switches to another placement epoch; only between iterations. */
    public void setTopology(ExpertTopology next) {
        this.topology = next;
    }

    public ExpertTopology topology() {
        return topology;
    }

    @Override
    public void run(int layer, float[] x, int tokens, int[] experts, float[] out) {
        ExpertTopology topo = topology;
        int m = moeIndexOfLayer[layer];
        int k = experts.length / tokens;
        DispatchPlan p = dispatcher.dispatch(topo.placement(), m, experts, tokens, k, plan);
        plan = p;
        if (statistics != null) {
            statistics.recordRouting(m, experts, experts.length);
            int[] loads = new int[topo.deviceCount()];
            for (int d = 0; d < loads.length; d++) {
                loads[d] = p.deviceLoad(d);
            }
            statistics.recordDeviceLoads(m, loads, loads.length);
            if (m == lastMoeIndex) {
                statistics.endIteration(); // one engine iteration = one pass over every MoE layer
            }
        }
        int busy = 0;
        int last = -1;
        for (int d = 0; d < topo.deviceCount(); d++) {
            if (p.deviceLoad(d) > 0) {
                busy++;
                last = d;
            }
        }
        if (busy <= 1) {
            if (last >= 0) {
                runDevice(topo, p, m, last, x, k, out);
            }
            return;
        }
        // Every busy device but the last runs on its own driver; the loop thread drives the last one.
        List<Future<?>> pending = new ArrayList<>(busy - 1);
        for (int d = 0; d < topo.deviceCount(); d++) {
            if (p.deviceLoad(d) > 0 && d != last) {
                int device = d;
                pending.add(topo.device(d).submit(() -> runDevice(topo, p, m, device, x, k, out)));
            }
        }
        RuntimeException failure = null;
        try {
            runDevice(topo, p, m, last, x, k, out);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while waiting for devices", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void runDevice(ExpertTopology topo, DispatchPlan p, int m, int d, float[] x, int k, float[] out) {
        Device device = topo.device(d);
        int[] assignments = p.assignmentIndices();
        for (int g = 0; g < p.groupCount(d); g++) {
            int expert = p.logicalExpert(d, g);
            ExpertTensors tensors = topo.expert(d, m, expert);
            device.runExpert(tensors, x, hidden, k, assignments, p.assignmentsFrom(d, g), p.assignmentCount(d, g), out);
        }
    }
}
