package dev.moesaic.engine.device;

import dev.moesaic.engine.forward.ExpertFfn;
import dev.moesaic.engine.forward.KvLayout;
import dev.moesaic.engine.kernel.ComputeLane;
import dev.moesaic.engine.kernel.Kernels;
import dev.moesaic.engine.kernel.VectorKernels;
import dev.moesaic.memory.DevicePool;
import dev.moesaic.memory.ExpertSlots;
import dev.moesaic.memory.KvBlockManager;
import dev.moesaic.memory.MemoryMetrics;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Moesaic's accelerator abstraction: a compute lane (its own threads) plus a memory pool of fixed
 * capacity holding this device's experts (one {@link ExpertSlots} region per MoE layer) and the KV
 * blocks of the sequences homed here. On a CPU a device is a group of cores.
 *
 * <p>Expert computations for this device run on its driver thread and lane, in parallel with the
 * other devices. A device can fail ({@link #fail()}): from then on it refuses work, and the fleet
 * re-homes its experts and sequences.
 */
public final class Device implements AutoCloseable {
    private final int id;
    private final String name;
    private final DevicePool pool;
    private final ExpertSlots[] slots;
    private final KvBlockManager kv;
    private final ComputeLane lane;
    private final boolean ownsLane;
    private final Kernels kernels;
    private final ExpertFfn ffn = new ExpertFfn();
    private ExecutorService driver;
    private float[] gathered = new float[0];
    private float[] result = new float[0];
    private final java.util.concurrent.atomic.AtomicLong expertTokens = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean failed;
    private volatile boolean closed;

    Device(int id, long poolBytes, long pageBytes, ExpertLayout[] layouts, int slotsPerLayer, KvLayout kvLayout, int kvBlocks,
           ComputeLane sharedLane, int threads, MemoryMetrics metrics) {
        this.id = id;
        this.name = "device-" + id;
        this.pool = DevicePool.open(name, poolBytes, pageBytes, metrics);
        ExpertSlots[] created = new ExpertSlots[layouts.length];
        KvBlockManager kvManager = null;
        ComputeLane l = null;
        try {
            for (int m = 0; m < layouts.length; m++) {
                created[m] = ExpertSlots.create(pool, DeviceFleet.EXPERT_OWNER_PREFIX + m + "-experts", slotsPerLayer, layouts[m].expertBytes());
            }
            kvManager = KvBlockManager.create(pool, "kv-cache", kvLayout.blockBytes(), kvLayout.blockSize(), kvBlocks);
            l = sharedLane != null ? sharedLane : ComputeLane.create(name, Math.max(1, threads));
        } catch (RuntimeException e) {
            for (ExpertSlots s : created) {
                if (s != null) {
                    s.close();
                }
            }
            if (kvManager != null) {
                kvManager.close();
            }
            pool.close();
            throw e;
        }
        this.slots = created;
        this.kv = kvManager;
        this.lane = l;
        this.ownsLane = sharedLane == null;
        this.kernels = new VectorKernels(lane);
    }

    /** Stable identity: device ids are never reused while the process runs. */
    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public DevicePool pool() {
        return pool;
    }

    /** The expert slots of MoE layer {@code moeLayer} (counted among MoE layers only). */
    public ExpertSlots slots(int moeLayer) {
        return slots[moeLayer];
    }

    public int moeLayers() {
        return slots.length;
    }

    public KvBlockManager kv() {
        return kv;
    }

    public Kernels kernels() {
        return kernels;
    }

    public ComputeLane lane() {
        return lane;
    }

    /** (token, expert) assignments this device has computed since it came up. */
    public long expertTokens() {
        return expertTokens.get();
    }

    public boolean isFailed() {
        return failed;
    }

    /** Marks the device as gone (test hook for failure recovery): it refuses all further work. */
    public void fail() {
        failed = true;
    }

    /** Runs {@code task} on this device's driver thread. */
    Future<?> submit(Runnable task) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException(name + " is closed");
            }
            if (driver == null) {
                driver = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, name + "-driver");
                    t.setDaemon(true);
                    return t;
                });
            }
        }
        return driver.submit(task);
    }

    /**
     * Computes the expert FFN for {@code rows} input rows gathered from {@code x} (row {@code r} is
     * token {@code assignments[from + r] / k}) and scatters each result to row
     * {@code assignments[from + r]} of {@code out}. Called on this device's driver (or by the engine
     * loop for a single device); the scratch buffers belong to that one caller.
     */
    void runExpert(ExpertTensors expert, float[] x, int hidden, int k, int[] assignments, int from, int rows, float[] out) {
        if (failed) {
            throw new DeviceFailedException(name);
        }
        int need = rows * hidden;
        if (gathered.length < need) {
            gathered = new float[need];
            result = new float[need];
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, assignments[from + r] / k * hidden, gathered, r * hidden, hidden);
        }
        ffn.apply(kernels, expert.gate(), expert.up(), expert.down(), gathered, rows, result);
        expertTokens.addAndGet(rows);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(result, r * hidden, out, assignments[from + r] * hidden, hidden);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (driver != null) {
                driver.shutdownNow();
            }
        }
        for (ExpertSlots s : slots) {
            s.close();
        }
        kv.close();
        pool.close();
        if (ownsLane) {
            lane.close();
        }
    }

    @Override
    public String toString() {
        return name + (failed ? " (failed)" : "");
    }
}
