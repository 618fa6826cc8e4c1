package dev.moesaic.memory;

/** An {@link ExpertSlots} operation found a slot in the wrong state (empty, occupied, or busy with a copy). */
public final class SlotStateException extends MemoryManagerException {
    SlotStateException(String message) {
        super(message);
    }
}
