package dev.moesaic.router.balance;

import dev.moesaic.router.placement.Placement;

/**
 * Physical routing: picks, for each (token, expert) assignment of one layer, which replica of the
 * expert does the work. Never changes which experts are used or their weights, so the model's output
 * does not depend on the choice. Implementations keep per-call scratch or state: use one instance
 * from one thread at a time (the engine dispatches layers one after another).
 */
public interface ReplicaSelector {
    /**
     * @param placement   the placement of the current iteration
     * @param layer       the MoE layer
     * @param experts     logical expert per assignment, {@code experts[t * K + k]} as {@code MoeGate} writes them
     * @param count       assignments to place ({@code T * K})
     * @param chosenSlots receives the chosen global slot per assignment
     * @param deviceLoads receives the number of assignments per device (length >= device count)
     */
    void choose(Placement placement, int layer, int[] experts, int count, int[] chosenSlots, int[] deviceLoads);

    /** Throws a helpful error for an expert id outside the placement. */
    static void checkExpert(Placement placement, int layer, int index, int expert) {
        if (expert < 0 || expert >= placement.expertCount()) {
            throw new IllegalArgumentException("assignment " + index + " of layer " + layer + " names expert " + expert
                    + " but the placement has experts 0.." + (placement.expertCount() - 1)
                    + ": route with the same model the placement was built for");
        }
    }
}
