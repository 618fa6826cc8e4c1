package dev.moesaic.memory;

/** A {@link DevicePool} has fewer free pages than asked for. The pool is left exactly as it was. */
public final class PoolExhaustedException extends MemoryManagerException {
    private final String device;
    private final long requestedBytes;
    private final long freeBytes;

    PoolExhaustedException(String device, String owner, long requestedBytes, long freeBytes, long capacityBytes) {
        super("pool '" + device + "' cannot give " + requestedBytes + " bytes to '" + owner + "': only " + freeBytes
                + " of " + capacityBytes + " bytes are free; free memory on this device, move work to another "
                + "device or open the pool with a larger capacity");
        this.device = device;
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    public String device() {
        return device;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }
}
