package dev.moesaic.engine.elastic;

import dev.moesaic.engine.device.Device;
import dev.moesaic.engine.device.DeviceFleet;
import dev.moesaic.engine.device.DeviceOptions;
import dev.moesaic.engine.forward.KvLayout;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.kernel.EngineKernels;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.runtime.EngineConfig;
import dev.moesaic.engine.runtime.EngineLoop;
import dev.moesaic.engine.runtime.EngineObserver;
import dev.moesaic.engine.runtime.InferenceEngine;
import dev.moesaic.engine.runtime.KvCacheManager;
import dev.moesaic.memory.MemoryMetrics;
import dev.moesaic.router.stats.LoadStatistics;

/**
 * A model served on devices: kernels, the device fleet with its scale controller (MoE models), the
 * paged KV cache over the devices' pools, the continuous-batching engine and its loop thread, wired
 * together. The server, the benchmarks and the tests all start a model this way.
 */
public final class ElasticEngine implements AutoCloseable {
    /**
     * @param devices          devices to start with (dense models: exactly 1)
     * @param threads          kernel threads of the primary lane (0 = one per core)
     * @param kvBlockTokens    token positions per KV block
     * @param kvBytesPerDevice KV cache memory each device brings
     */
    public record Options(int devices, int threads, int kvBlockTokens, long kvBytesPerDevice, EngineConfig engine,
                          ScaleController.Options scaling) {
    }

    private final LoadedModel model;
    private final EngineKernels kernels;
    private final MemoryMetrics memory = new MemoryMetrics();
    private final DeviceFleet fleet;
    private final ScaleController controller;
    private final LoadStatistics statistics;
    private final KvCacheManager kv;
    private final InferenceEngine engine;
    private final EngineLoop loop;

    private ElasticEngine(LoadedModel model, Options o, EngineObserver observer) {
        this.model = model;
        this.kernels = EngineKernels.create(o.threads());
        KvLayout layout = model.kvLayout(o.kvBlockTokens());
        int kvBlocks = KvCacheManager.blocksFor(layout, o.kvBytesPerDevice());
        DeviceFleet f = null;
        ScaleController c = null;
        KvCacheManager k = null;
        try {
            Transformer transformer;
            if (model.config().isMoe()) {
                f = new DeviceFleet(model, new DeviceOptions(0, DeviceOptions.DEFAULT_PAGE_BYTES, o.scaling().threadsPerDevice(),
                        kvBlocks, o.kvBlockTokens()), kernels.lane(), memory);
                statistics = new LoadStatistics(f.moeLayers(), model.config().experts());
                c = new ScaleController(f, statistics, o.scaling());
                transformer = new Transformer(model.config(), model.weights(), kernels.kernels(), c.start(o.devices()));
                k = new KvCacheManager(c.devices().stream().map(Device::kv).toList(), layout);
            } else {
                if (o.devices() != 1) {
                    throw new IllegalArgumentException(model.id() + " is a dense model: it runs on exactly 1 device (expert "
                            + "parallelism needs experts), got --devices " + o.devices());
                }
                statistics = null;
                transformer = Transformer.local(model.config(), model.weights(), kernels.kernels());
                k = KvCacheManager.onNewDevice("device-0", layout, kvBlocks);
            }
            this.fleet = f;
            this.controller = c;
            this.kv = k;
            this.engine = new InferenceEngine(transformer, model.tokenizer(), kv, o.engine(), observer);
            if (controller != null) {
                controller.attach(new EngineServingControl(engine, kv));
                engine.setDeviceFailureHandler(controller::handleDeviceFailure);
            }
            this.loop = EngineLoop.start(engine);
        } catch (RuntimeException | Error e) {
            if (c != null) {
                c.close();
            }
            if (f != null) {
                f.close();
            }
            if (k != null && f == null) {
                k.close();
            }
            kernels.close();
            throw e;
        }
    }

    /** Starts serving {@code model}; the caller keeps ownership of the model and closes it after this. */
    public static ElasticEngine start(LoadedModel model, Options options, EngineObserver observer) {
        return new ElasticEngine(model, options, observer);
    }

    public LoadedModel model() {
        return model;
    }

    public InferenceEngine engine() {
        return engine;
    }

    public EngineLoop loop() {
        return loop;
    }

    /** The scale controller, or null for a dense model (nothing to place). */
    public ScaleController controller() {
        return controller;
    }

    /** The devices, or null for a dense model. */
    public DeviceFleet fleet() {
        return fleet;
    }

    /** Expert and device loads, or null for a dense model. */
    public LoadStatistics statistics() {
        return statistics;
    }

    public KvCacheManager kvCache() {
        return kv;
    }

    public MemoryMetrics memory() {
        return memory;
    }

    public int deviceCount() {
        return controller == null ? 1 : controller.deviceCount();
    }

    @Override
    public void close() {
        loop.close();
        if (controller != null) {
            controller.close();
        }
        if (fleet != null) {
            fleet.close();
        } else {
            kv.close();
        }
        kernels.close();
    }
}
