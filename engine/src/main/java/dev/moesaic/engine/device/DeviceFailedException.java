package dev.moesaic.engine.device;

/** Work reached a device that has failed; the engine re-homes its experts and retries the iteration. */
public final class DeviceFailedException extends RuntimeException {
    public DeviceFailedException(String device) {
        super(device + " has failed and accepts no work");
    }
}
