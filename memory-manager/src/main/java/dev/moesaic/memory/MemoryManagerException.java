package dev.moesaic.memory;

/** Base of the memory manager's typed errors; each message names the input that was wrong and what to do. */
public class MemoryManagerException extends RuntimeException {
    public MemoryManagerException(String message) {
        super(message);
    }

    public MemoryManagerException(String message, Throwable cause) {
        super(message, cause);
    }
}
