package dev.moesaic.memory;

import java.util.Objects;

/**
 * One step of an expert re-placement: the expert in {@code from[fromSlot]} goes to {@code to[toSlot]}. A move
 * within one {@link ExpertSlots} is a remap (zero bytes copied); any other move, or a replica
 * ({@code keepSource}), copies the expert's bytes once through the copy engine. Unless {@code keepSource},
 * the source slot is released when the migration commits.
 */
public record ExpertMove(ExpertSlots from, int fromSlot, ExpertSlots to, int toSlot, boolean keepSource) {
    public ExpertMove {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (from == to && fromSlot == toSlot) {
            throw new IllegalArgumentException("a move from slot " + fromSlot + " of '" + from.name() + "' to itself "
                    + "does nothing; leave it out");
        }
    }

    /** The expert leaves {@code from[fromSlot]}. */
    public static ExpertMove move(ExpertSlots from, int fromSlot, ExpertSlots to, int toSlot) {
        return new ExpertMove(from, fromSlot, to, toSlot, false);
    }

    /** A second copy of the expert appears in {@code to[toSlot]}; the source stays. */
    public static ExpertMove replicate(ExpertSlots from, int fromSlot, ExpertSlots to, int toSlot) {
        return new ExpertMove(from, fromSlot, to, toSlot, true);
    }

    /** True if this move copies bytes (another ExpertSlots, or a replica); false for a zero-copy remap. */
    public boolean copies() {
        return from != to || keepSource;
    }

    @Override
    public String toString() {
        return (keepSource ? "replicate " : "move ") + "'" + from.name() + "'[" + fromSlot + "] -> '" + to.name() + "'["
                + toSlot + "]";
    }
}
