package dev.moesaic.memory;

/**
 * A mapping request does not fit the region's current state: mapping over mapped pages, unmapping or viewing
 * pages that are not mapped, freeing an allocation that is still mapped or being copied, or mixing pools.
 */
public final class MappingException extends MemoryManagerException {
    MappingException(String message) {
        super(message);
    }
}
