package dev.moesaic.engine.kernel;

/**
 * The kernels an engine instance computes with, and the threads they own. Close it to stop the threads.
 */
public final class EngineKernels implements AutoCloseable {
    private final Kernels kernels;

    private EngineKernels(Kernels kernels) {
        this.kernels = kernels;
    }

    /** @param threads worker threads (0 = one per available core) */
    public static EngineKernels create(int threads) {
        return new EngineKernels(Kernels.reference());
    }

    public Kernels kernels() {
        return kernels;
    }

    @Override
    public void close() {
    }
}
