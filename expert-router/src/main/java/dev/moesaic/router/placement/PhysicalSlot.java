package dev.moesaic.router.placement;

/**
 * One physical expert slot of a layer: slot {@code slotOnDevice} of device {@code device} holds
 * (a replica of) {@code logicalExpert}, or nothing when it is {@link LayerPlacement#EMPTY}.
 */
public record PhysicalSlot(int device, int slotOnDevice, int logicalExpert) {
    public boolean isEmpty() {
        return logicalExpert == LayerPlacement.EMPTY;
    }
}
