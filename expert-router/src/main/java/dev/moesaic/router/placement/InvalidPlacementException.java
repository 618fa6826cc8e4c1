package dev.moesaic.router.placement;

/** A placement that cannot serve its model: the message names the layer, slot or expert at fault. */
public final class InvalidPlacementException extends IllegalArgumentException {
    public InvalidPlacementException(String message) {
        super(message);
    }
}
