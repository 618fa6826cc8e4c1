package dev.moesaic.router.planner;

import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.ArrayList;
import java.util.List;

/**
 * DeepSeek's expert-parallelism load balancer (EPLB) as a pure function from per-layer expert loads
 * to a {@link Placement} that fills every physical slot.
 *
 * <p>Hierarchical policy (used when the node count divides the group count, the experts split into
 * the groups and the devices into the nodes): pack expert groups onto nodes with
 * {@link BalancedPacking}, replicate the heaviest experts within each node ({@link Replication}),
 * then pack the node's physical experts onto its devices by load per replica. Otherwise the global
 * policy: the same with one group and one node.
 *
 * <p><b>Bound</b> (load model: an expert's load splits evenly over its replicas). Global policy:
 * {@code max device load <= mean device load + max_e load_e / replicas_e}, from the packing bound in
 * {@link BalancedPacking} applied to the physical experts. Hierarchical policy: node loads are
 * within the heaviest group of each other, so {@code node load <= mean node load + max group load};
 * inside a node the packing bound applies again, giving {@code max device load <= mean device load
 * + max group load / devicesPerNode + max_e load_e / replicas_e}. {@link #loadBound} computes it.
 *
 * <p>For plans that keep most experts where they are, see {@link MinimalMovePlanner}.
 */
public final class EplbPlanner {
    private final int groupCount;
    private final int nodeCount;

    /**
     * @param groupCount expert groups (DeepSeek-V3: 8; 1 = no groups)
     * @param nodeCount  nodes the devices are spread over (1 on a single machine)
     */
    public EplbPlanner(int groupCount, int nodeCount) {
        if (groupCount < 1 || nodeCount < 1) {
            throw new IllegalArgumentException("groupCount and nodeCount must be >= 1, got " + groupCount + " and "
                    + nodeCount);
        }
        this.groupCount = groupCount;
        this.nodeCount = nodeCount;
    }

    /** The global policy: one group, one node. */
    public static EplbPlanner global() {
        return new EplbPlanner(1, 1);
    }

    public int groupCount() {
        return groupCount;
    }

    public int nodeCount() {
        return nodeCount;
    }

    /** Whether the hierarchical policy applies to this shape (else the global one). */
    public boolean hierarchical(int expertCount, int deviceCount) {
        return groupCount % nodeCount == 0 && expertCount % groupCount == 0 && deviceCount % nodeCount == 0;
    }

    /** Devices of one node under the policy that applies (all devices for the global policy). */
    public int devicesPerNode(int expertCount, int deviceCount) {
        return hierarchical(expertCount, deviceCount) ? deviceCount / nodeCount : deviceCount;
    }

    /**
     * Plans every layer from scratch.
     *
     * @param loads          loads[layer][logical expert], e.g. a moving average of routed token counts
     * @param deviceCount    devices to place on
     * @param slotsPerDevice physical slots per device; slots beyond the expert count hold replicas
     * @param epoch          the epoch of the returned placement
     */
    public Placement rebalance(double[][] loads, int deviceCount, int slotsPerDevice, long epoch) {
        int experts = checkLoads(loads, deviceCount, slotsPerDevice);
        List<LayerPlacement> layers = new ArrayList<>(loads.length);
        for (double[] layerLoads : loads) {
            int[] phy2log = rebalanceLayer(layerLoads, deviceCount * slotsPerDevice, deviceCount);
            layers.add(LayerPlacement.of(deviceCount, slotsPerDevice, experts, phy2log));
        }
        return Placement.of(epoch, layers);
    }

    /** One layer: global slot (device by device) -> logical expert, EPLB's {@code phy2log} row. */
    public int[] rebalanceLayer(double[] loads, int physicalSlots, int deviceCount) {
        int experts = loads.length;
        if (hierarchical(experts, deviceCount)) {
            return hierarchicalLayer(loads, physicalSlots, groupCount, nodeCount, deviceCount);
        }
        return hierarchicalLayer(loads, physicalSlots, 1, 1, deviceCount);
    }

    /**
     * The stated bound on the max device load of {@link #rebalanceLayer}'s plan, from the loads and the
     * plan's replica counts (see the class comment).
     */
    public double loadBound(double[] loads, LayerPlacement plan) {
        int experts = loads.length;
        int devices = plan.deviceCount();
        double total = 0;
        double maxPerReplica = 0;
        for (int e = 0; e < experts; e++) {
            total += loads[e];
            maxPerReplica = Math.max(maxPerReplica, loads[e] / plan.replicaCount(e));
        }
        double bound = total / devices + maxPerReplica;
        if (hierarchical(experts, devices)) {
            int size = experts / groupCount;
            double maxGroup = 0;
            for (int g = 0; g < groupCount; g++) {
                double sum = 0;
                for (int e = g * size; e < (g + 1) * size; e++) {
                    sum += loads[e];
                }
                maxGroup = Math.max(maxGroup, sum);
            }
            bound += maxGroup / (devices / nodeCount);
        }
        return bound;
    }

    private static int[] hierarchicalLayer(double[] loads, int physical, int groups, int nodes, int devices) {
        int experts = loads.length;
        int groupSize = experts / groups;
        int groupsPerNode = groups / nodes;
        int expertsPerNode = experts / nodes;
        int physicalPerNode = physical / nodes;
        int devicesPerNode = devices / nodes;
        int slotsPerDevice = physical / devices;

        // 1. groups onto nodes; mlog numbers experts node by node ("middle" logical ids)
        double[] groupLoad = new double[groups];
        for (int e = 0; e < experts; e++) {
            groupLoad[e / groupSize] += loads[e];
        }
        BalancedPacking.Packing groupPacking = BalancedPacking.pack(groupLoad, nodes);
        int[] mlog2log = new int[experts];
        for (int e = 0; e < experts; e++) {
            int g = e / groupSize;
            int mlog = (groupPacking.pack()[g] * groupsPerNode + groupPacking.rank()[g]) * groupSize + e % groupSize;
            mlog2log[mlog] = e;
        }

        int[] phy2log = new int[physical];
        for (int node = 0; node < nodes; node++) {
            // 2. replicate within the node
            double[] nodeLoads = new double[expertsPerNode];
            for (int i = 0; i < expertsPerNode; i++) {
                nodeLoads[i] = loads[mlog2log[node * expertsPerNode + i]];
            }
            Replication.Replicas replicas = Replication.replicate(nodeLoads, physicalPerNode);

            // 3. the node's physical experts onto its devices, weighted by load per replica
            double[] perReplica = new double[physicalPerNode];
            for (int p = 0; p < physicalPerNode; p++) {
                int m = replicas.phy2log()[p];
                perReplica[p] = nodeLoads[m] / replicas.count()[m];
            }
            BalancedPacking.Packing devicePacking = BalancedPacking.pack(perReplica, devicesPerNode);
            for (int p = 0; p < physicalPerNode; p++) {
                int slotInNode = devicePacking.pack()[p] * slotsPerDevice + devicePacking.rank()[p];
                int mlog = node * expertsPerNode + replicas.phy2log()[p];
                phy2log[node * physicalPerNode + slotInNode] = mlog2log[mlog];
            }
        }
        return phy2log;
    }

    static int checkLoads(double[][] loads, int deviceCount, int slotsPerDevice) {
        if (loads.length == 0) {
            throw new IllegalArgumentException("loads has no layers: pass loads[layer][expert]");
        }
        int experts = loads[0].length;
        if (experts == 0) {
            throw new IllegalArgumentException("loads[0] has no experts");
        }
        if (deviceCount < 1 || slotsPerDevice < 1 || (long) deviceCount * slotsPerDevice < experts) {
            throw new IllegalArgumentException(experts + " experts do not fit on " + deviceCount + " devices x "
                    + slotsPerDevice + " slots: use at least " + Math.ceilDiv(experts, Math.max(deviceCount, 1))
                    + " slots per device");
        }
        for (int l = 0; l < loads.length; l++) {
            if (loads[l].length != experts) {
                throw new IllegalArgumentException("loads[" + l + "] has " + loads[l].length + " experts, loads[0] has "
                        + experts + ": every layer needs one load per expert");
            }
            for (int e = 0; e < experts; e++) {
                double v = loads[l][e];
                if (!(v >= 0) || Double.isInfinite(v)) {
                    throw new IllegalArgumentException("loads[" + l + "][" + e + "] = " + v
                            + ": loads must be finite and >= 0 (token counts or their moving average)");
                }
            }
        }
        return experts;
    }
}
