package dev.moesaic.router.planner;

/**
 * Copy one logical expert's weights into a slot of the new placement. {@code fromDevice/fromSlot}
 * name a replica in the current placement's device numbering ({@link #FROM_MODEL_FILE} when no
 * surviving replica exists, e.g. after a device failure); {@code toDevice/toSlot} use the new
 * placement's numbering (see {@link PlacementPlan#oldDeviceOf}).
 */
public record ExpertMove(int layer, int logicalExpert, int fromDevice, int fromSlot, int toDevice, int toSlot) {
    /** fromDevice/fromSlot value meaning "read the expert from the mmap'ed model file". */
    public static final int FROM_MODEL_FILE = -1;

    public boolean fromModelFile() {
        return fromDevice == FROM_MODEL_FILE;
    }
}
