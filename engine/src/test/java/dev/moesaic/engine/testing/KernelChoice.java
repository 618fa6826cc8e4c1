package dev.moesaic.engine.testing;

import dev.moesaic.engine.kernel.ComputeLane;
import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.kernel.VectorKernels;

/** The kernel implementations golden tests run on: the scalar reference and the fast path. */
public enum KernelChoice {
    REFERENCE, VECTOR;

    private static ComputeLane lane;

    public Kernels kernels() {
        return switch (this) {
            case REFERENCE -> Kernels.reference();
            case VECTOR -> new VectorKernels(sharedLane());
        };
    }

    /** One lane for all tests of the JVM: lanes own threads, and tests should not leak them. */
    private static synchronized ComputeLane sharedLane() {
        if (lane == null) {
            lane = ComputeLane.create("test", 2);
            Runtime.getRuntime().addShutdownHook(new Thread(lane::close));
        }
        return lane;
    }
}
