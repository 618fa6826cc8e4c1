package dev.moesaic.memory;

/**
 * What a migration did: moves applied, how many copied an expert through the copy engine and how many were
 * zero-copy remaps, the bytes copied, and the number of prepare/commit steps it took.
 */
public record MigrationReport(int moves, int copies, int remaps, long bytesCopied, int steps) {
    public static final MigrationReport NONE = new MigrationReport(0, 0, 0, 0, 0);

    MigrationReport plus(MigrationReport other) {
        return new MigrationReport(moves + other.moves, copies + other.copies, remaps + other.remaps,
                bytesCopied + other.bytesCopied, steps + other.steps);
    }
}
