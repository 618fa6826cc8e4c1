package dev.moesaic.engine.kernel;

/**
 * The kernels an engine instance computes with and the lane of threads they run on. Close it to
 * stop the threads.
 */
public final class EngineKernels implements AutoCloseable {
    private final ComputeLane lane;
    private final Kernels kernels;

    private EngineKernels(ComputeLane lane, Kernels kernels) {
        this.lane = lane;
        this.kernels = kernels;
    }

    /** Vector API kernels on a lane of {@code threads} threads (0 = one per available core). */
    public static EngineKernels create(int threads) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        ComputeLane lane = ComputeLane.create("compute", n);
        return new EngineKernels(lane, new VectorKernels(lane));
    }

    public Kernels kernels() {
        return kernels;
    }

    public ComputeLane lane() {
        return lane;
    }

    @Override
    public void close() {
        lane.close();
    }
}
