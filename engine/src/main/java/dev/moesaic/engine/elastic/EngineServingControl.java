package dev.moesaic.engine.elastic;

import dev.moesaic.engine.device.Device;
import dev.moesaic.engine.runtime.InferenceEngine;
import dev.moesaic.engine.runtime.KvCacheManager;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The serving engine as the scale controller sees it. */
public final class EngineServingControl implements ServingControl {
    private final InferenceEngine engine;
    private final KvCacheManager kv;

    public EngineServingControl(InferenceEngine engine, KvCacheManager kv) {
        this.engine = engine;
        this.kv = kv;
    }

    @Override
    public CompletableFuture<Void> runBetweenIterations(Runnable task) {
        return engine.runBetweenIterations(task);
    }

    @Override
    public void setKvDevices(List<Device> devices) {
        kv.setDevices(devices.stream().map(Device::kv).toList());
    }

    @Override
    public int kvBlocksInUse(Device device) {
        return kv.usedBlocks(device.kv());
    }

    @Override
    public int recomputeSequencesOn(Device device) {
        return engine.preempt(s -> s.kv() != null && s.kv().device() == device.kv());
    }
}
