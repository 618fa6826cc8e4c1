package dev.moesaic.memory;

/** Something was used after it was freed, released or closed (a pool, a region, an allocation, a block table). */
public final class ReleasedResourceException extends MemoryManagerException {
    ReleasedResourceException(String message) {
        super(message);
    }
}
