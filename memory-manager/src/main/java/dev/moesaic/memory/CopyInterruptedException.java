package dev.moesaic.memory;

/** A {@link CopyEngine} copy was interrupted while waiting for link bandwidth; the target holds partial data. */
public final class CopyInterruptedException extends MemoryManagerException {
    CopyInterruptedException(String message, InterruptedException cause) {
        super(message, cause);
    }
}
