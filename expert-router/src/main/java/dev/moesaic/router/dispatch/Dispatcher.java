package dev.moesaic.router.dispatch;

import dev.moesaic.router.balance.ReplicaSelector;
import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import java.util.Arrays;
import java.util.Objects;

/**
 * Turns one layer's logical routing into physical work: each (token, expert) assignment gets a
 * replica from the {@link ReplicaSelector}, then a counting sort by global slot groups the
 * assignments by device and slot. O(assignments + slots) per call and no allocation once the
 * reused {@link DispatchPlan} has grown. One dispatcher per engine thread.
 */
public final class Dispatcher {
    private final ReplicaSelector selector;

    public Dispatcher(ReplicaSelector selector) {
        this.selector = Objects.requireNonNull(selector, "replica selector");
    }

    public ReplicaSelector selector() {
        return selector;
    }

    /**
     * Plans layer {@code layer} for {@code tokenCount} tokens routed to {@code experts[t * K + k]}.
     *
     * @param into a plan to refill (reused across calls), or null for a new one
     * @return the filled plan ({@code into} when given)
     */
    public DispatchPlan dispatch(Placement placement, int layer, int[] experts, int tokenCount, int expertsPerToken,
                                 DispatchPlan into) {
        if (layer < 0 || layer >= placement.layerCount()) {
            throw new IllegalArgumentException("layer " + layer + " is outside the placement's " + placement.layerCount()
                    + " MoE layers");
        }
        int n = tokenCount * expertsPerToken;
        if (tokenCount < 0 || expertsPerToken < 1 || experts.length < n) {
            throw new IllegalArgumentException("experts[] has " + experts.length + " entries, need tokenCount("
                    + tokenCount + ") x expertsPerToken(" + expertsPerToken + ") = " + n);
        }
        LayerPlacement p = placement.layer(layer);
        DispatchPlan plan = into == null ? new DispatchPlan() : into;
        int devices = p.deviceCount();
        int slots = p.physicalSlotCount();
        plan.ensureCapacity(n, devices, slots);
        plan.epoch = placement.epoch();
        plan.layer = layer;
        plan.deviceCount = devices;
        plan.tokenCount = tokenCount;
        plan.expertsPerToken = expertsPerToken;
        plan.slotsPerDevice = p.slotsPerDevice();

        selector.choose(placement, layer, experts, n, plan.chosenSlot, plan.deviceLoad);

        int[] slotCount = plan.slotCount;
        Arrays.fill(slotCount, 0, slots, 0);
        for (int i = 0; i < n; i++) {
            slotCount[plan.chosenSlot[i]]++;
        }
        // groups in global-slot order, i.e. device by device and slot by slot
        int groups = 0;
        int position = 0;
        for (int g = 0; g < slots; g++) {
            if (g % p.slotsPerDevice() == 0) {
                plan.deviceGroupStart[g / p.slotsPerDevice()] = groups;
            }
            int c = slotCount[g];
            if (c > 0) {
                plan.groupSlot[groups] = g % p.slotsPerDevice();
                plan.groupExpert[groups] = p.expertAt(g);
                plan.groupStart[groups] = position;
                slotCount[g] = position; // from here on: next free position of this slot
                position += c;
                groups++;
            } else {
                slotCount[g] = -1;
            }
        }
        plan.deviceGroupStart[devices] = groups;
        plan.groupStart[groups] = position;
        plan.groupCount = groups;
        for (int i = 0; i < n; i++) {
            plan.order[slotCount[plan.chosenSlot[i]]++] = i;
        }
        return plan;
    }
}
