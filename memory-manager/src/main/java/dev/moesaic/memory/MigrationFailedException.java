package dev.moesaic.memory;

/**
 * An {@link ExpertMigration} failed. {@link #restored()} tells whether every expert is back in the slot it
 * started in (the normal outcome: the failed step is undone and earlier steps are reversed). If it is false,
 * reversing also failed; every expert still lives in exactly one of its old or new slots and no page leaked,
 * and the message says which moves are in effect.
 */
public final class MigrationFailedException extends MemoryManagerException {
    private final boolean restored;

    MigrationFailedException(String message, boolean restored, Throwable cause) {
        super(message, cause);
        this.restored = restored;
    }

    public boolean restored() {
        return restored;
    }
}
