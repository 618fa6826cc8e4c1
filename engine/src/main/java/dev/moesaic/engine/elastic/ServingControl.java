package dev.moesaic.engine.elastic;

import dev.moesaic.engine.device.Device;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the scale controller needs from the engine loop that serves requests: to run a task between
 * two iterations (placement commits), and to steer the KV cache, which lives on devices too.
 */
public interface ServingControl {
    /** Runs {@code task} on the engine loop thread between two iterations. */
    CompletableFuture<Void> runBetweenIterations(Runnable task);

    /** The devices new sequences may place their KV blocks on (a leaving device takes no new sequences). */
    void setKvDevices(List<Device> devices);

    /** KV blocks in use on {@code device} (a retiring device waits for this to reach 0). */
    int kvBlocksInUse(Device device);

    /**
     * Ends the KV of every running sequence homed on a failed device: the sequences go back to the
     * queue and are recomputed elsewhere (the client sees a pause, not an error). Loop thread only.
     */
    int recomputeSequencesOn(Device device);
}
