package dev.moesaic.router.planner;

/**
 * A replica of the current placement (current device numbering) that the new placement no longer
 * has in that slot; its memory can be released once the last iteration on the old epoch has ended.
 */
public record ReplicaRemoval(int layer, int logicalExpert, int device, int slot) {
}
