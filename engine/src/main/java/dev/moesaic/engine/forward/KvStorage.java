package dev.moesaic.engine.forward;

import java.lang.foreign.MemorySegment;

/**
 * The memory holding every KV block (block {@code b} at {@code b * layout.blockBytes()}). Who hands
 * out blocks (a scheduler, a test) is not the forward pass's business; it only reads and writes the
 * blocks named in a {@link ForwardBatch}.
 */
public interface KvStorage {
    KvLayout layout();

    MemorySegment memory();
}
