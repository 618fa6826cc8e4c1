package dev.moesaic.engine.elastic;

/** A scaling step found the placement changed underneath it: a device failure was recovered meanwhile. */
final class PlacementChangedException extends IllegalStateException {
    PlacementChangedException(long actual, long expected) {
        super("the placement changed underneath (epoch " + actual + ", expected " + expected
                + "): a device failure was recovered meanwhile; request the operation again");
    }
}
