package dev.moesaic.engine.device;

/**
 * How each device is sized.
 *
 * @param poolBytes      capacity of the device's memory pool (experts plus KV cache); 0 = enough for
 *                       every expert of the model plus the KV cache, so any placement fits
 * @param pageBytes      page size of the pool (a multiple of the OS page size)
 * @param threads        compute threads per device (0 = the machine's cores divided among devices)
 * @param kvBlocks       KV blocks per device
 * @param kvBlockTokens  token positions per KV block
 */
public record DeviceOptions(long poolBytes, long pageBytes, int threads, int kvBlocks, int kvBlockTokens) {
    public static final long DEFAULT_PAGE_BYTES = 64L << 10;

    public DeviceOptions {
        if (poolBytes < 0 || pageBytes <= 0 || threads < 0 || kvBlocks <= 0 || kvBlockTokens <= 0) {
            throw new IllegalArgumentException("device options must be positive (pool bytes and threads may be 0 = automatic): "
                    + this);
        }
    }

    /** Automatic pool size and threads, 64 KiB pages, {@code kvBlocks} blocks of 16 tokens. */
    public static DeviceOptions defaults(int kvBlocks) {
        return new DeviceOptions(0, DEFAULT_PAGE_BYTES, 0, kvBlocks, 16);
    }
}
