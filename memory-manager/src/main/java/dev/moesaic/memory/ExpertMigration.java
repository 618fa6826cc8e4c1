package dev.moesaic.memory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Executes a list of {@link ExpertMove}s across devices, in the two phases of the elastic scaling protocol:
 *
 * <ol>
 *   <li>{@link #prepare}: copy every expert that changes device (or gets a replica) into its empty target slot.
 *       Serving continues meanwhile: nothing a compute thread reads changes.</li>
 *   <li>{@link Prepared#commit()}: between iterations, remap the moves within a device and release the sources
 *       of moved experts. Zero bytes copied.</li>
 * </ol>
 *
 * <p>A failure in either phase rolls back: copies made so far are released, remaps are undone, and every expert
 * is where it started, with no page leaked on either side. {@link #execute} runs a long move list in steps of at
 * most {@code maxInFlight} copies, so peak memory stays at steady state plus that many experts; if a step fails,
 * the finished steps are reversed too.
 *
 * <p>One migration at a time per set of slots: the caller (the scaling controller) is the only thread changing
 * these slots while it runs.
 */
public final class ExpertMigration {
    private final CopyEngine engine;

    public ExpertMigration(CopyEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /**
     * Checks the moves and copies the experts that change device into their target slots. Targets of copies must
     * be empty now; targets of moves within a device must be empty or be vacated by this migration.
     *
     * @throws IllegalArgumentException or {@link SlotStateException} if the moves do not fit the current slots
     *         (nothing was done)
     * @throws MigrationFailedException if a copy failed (the copies made so far were released)
     */
    public Prepared prepare(List<ExpertMove> moves) {
        List<ExpertMove> list = List.copyOf(moves);
        validate(list);
        List<ExpertMove> copied = new ArrayList<>();
        long bytes = 0;
        try {
            for (ExpertMove move : list) {
                if (move.copies()) {
                    bytes += move.from().copyTo(move.fromSlot(), move.to(), move.toSlot(), engine);
                    copied.add(move);
                }
            }
        } catch (RuntimeException e) {
            RuntimeException undo = releaseTargets(copied);
            if (undo != null) {
                e.addSuppressed(undo);
                throw new MigrationFailedException("preparing " + list.size() + " expert moves failed after "
                        + copied.size() + " copies (" + e.getMessage() + ") and releasing those copies failed too ("
                        + undo.getMessage() + "); the sources are intact, some targets still hold copies", false, e);
            }
            throw new MigrationFailedException("preparing " + list.size() + " expert moves failed after " + copied.size()
                    + " copies: " + e.getMessage() + "; the copies were released, every expert is where it was", true, e);
        }
        return new Prepared(list, copied, bytes);
    }

    /**
     * Prepares and commits {@code moves} in steps: each step is a run of consecutive moves holding at most
     * {@code maxInFlight} copies. Keep moves that depend on each other (a swap, a chain into a vacated slot)
     * adjacent, or put them in order across steps. On failure every finished step is reversed.
     */
    public MigrationReport execute(List<ExpertMove> moves, int maxInFlight) {
        if (maxInFlight <= 0) {
            throw new IllegalArgumentException("maxInFlight must be positive (experts copied per step), got " + maxInFlight);
        }
        List<List<ExpertMove>> steps = split(List.copyOf(moves), maxInFlight);
        List<List<ExpertMove>> done = new ArrayList<>();
        MigrationReport report = MigrationReport.NONE;
        for (List<ExpertMove> step : steps) {
            try {
                report = report.plus(prepare(step).commit());
                done.add(step);
            } catch (RuntimeException e) {
                boolean stepRestored = !(e instanceof MigrationFailedException failed) || failed.restored();
                String where = "step " + (done.size() + 1) + " of " + steps.size() + " (" + step.size() + " moves)";
                if (!stepRestored) {
                    throw new MigrationFailedException("migration failed in " + where + " and could not be rolled back: "
                            + e.getMessage() + "; " + done.size() + " earlier steps remain in effect", false, e);
                }
                try {
                    for (int i = done.size() - 1; i >= 0; i--) {
                        reverse(done.get(i), maxInFlight);
                    }
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo);
                    throw new MigrationFailedException("migration failed in " + where + " (" + e.getMessage()
                            + ") and reversing the earlier steps failed too (" + undo.getMessage() + ")", false, e);
                }
                throw new MigrationFailedException("migration failed in " + where + ": " + e.getMessage() + "; "
                        + done.size() + " earlier steps were reversed, every expert is where it was", true, e);
            }
        }
        return report;
    }

    /** A migration whose copies are in place, waiting for {@link #commit()} or {@link #abort()}. */
    public final class Prepared {
        private final List<ExpertMove> moves;
        private final List<ExpertMove> copied;
        private final long bytesCopied;
        private boolean finished;

        private Prepared(List<ExpertMove> moves, List<ExpertMove> copied, long bytesCopied) {
            this.moves = moves;
            this.copied = copied;
            this.bytesCopied = bytesCopied;
        }

        public List<ExpertMove> moves() {
            return moves;
        }

        /**
         * Remaps the moves within each device and releases the sources of moved experts. Call it when no compute
         * thread reads the source slots (between iterations). On failure the remaps are undone and the copies
         * released: every expert is back where it was.
         */
        public MigrationReport commit() {
            finish("commit");
            Map<ExpertSlots, int[]> layouts = layouts(moves);
            List<ExpertSlots.Relayout> applied = new ArrayList<>();
            try {
                for (Map.Entry<ExpertSlots, int[]> layout : layouts.entrySet()) {
                    applied.add(layout.getKey().applyLayout(layout.getValue()));
                }
            } catch (RuntimeException e) {
                RuntimeException undo = null;
                for (int i = applied.size() - 1; i >= 0; i--) {
                    try {
                        applied.get(i).revert();
                    } catch (RuntimeException again) {
                        undo = again;
                        e.addSuppressed(again);
                    }
                }
                RuntimeException release = releaseTargets(copied);
                if (release != null) {
                    e.addSuppressed(release);
                }
                boolean restored = undo == null && release == null;
                throw new MigrationFailedException("committing " + moves.size() + " expert moves failed: " + e.getMessage()
                        + (restored ? "; remaps undone and copies released, every expert is where it was"
                                : "; rolling back failed too, see suppressed exceptions"), restored, e);
            }
            int remaps = 0;
            for (ExpertSlots.Relayout relayout : applied) {
                relayout.finish();
                remaps += relayout.remapped();
            }
            return new MigrationReport(moves.size(), copied.size(), remaps, bytesCopied, 1);
        }

        /** Releases the copies made by {@link ExpertMigration#prepare}; the sources were never touched. */
        public void abort() {
            finish("abort");
            RuntimeException failure = releaseTargets(copied);
            if (failure != null) {
                throw new MigrationFailedException("aborting a prepared migration could not release every copy: "
                        + failure.getMessage(), false, failure);
            }
        }

        private void finish(String action) {
            if (finished) {
                throw new IllegalStateException("this prepared migration was already committed or aborted; cannot "
                        + action + " it again");
            }
            finished = true;
        }
    }

    // ---- internals ----

    private record SlotRef(ExpertSlots slots, int slot) {
    }

    private static void validate(List<ExpertMove> moves) {
        Set<SlotRef> targets = new HashSet<>();
        Set<SlotRef> vacated = new HashSet<>();
        for (ExpertMove move : moves) {
            SlotRef from = new SlotRef(move.from(), move.fromSlot());
            if (move.from().expertAt(move.fromSlot()) == ExpertSlots.EMPTY) {
                throw new SlotStateException(move + ": the source slot is empty");
            }
            if (!move.keepSource() && !vacated.add(from)) {
                throw new IllegalArgumentException(move + ": the source slot is already moved away by another move");
            }
            if (!targets.add(new SlotRef(move.to(), move.toSlot()))) {
                throw new IllegalArgumentException(move + ": another move already targets that slot");
            }
            if (move.copies() && move.from().expertBytes() != move.to().expertBytes()) {
                throw new IllegalArgumentException(move + ": expert sizes differ (" + move.from().expertBytes() + " vs "
                        + move.to().expertBytes() + " bytes)");
            }
        }
        for (ExpertMove move : moves) {
            boolean empty = move.to().expertAt(move.toSlot()) == ExpertSlots.EMPTY;
            if (move.copies() && !empty) {
                throw new SlotStateException(move + ": the target slot holds expert " + move.to().expertAt(move.toSlot())
                        + "; a copy needs an empty slot (to reuse a slot this migration vacates, copy in a later step)");
            }
            if (!move.copies() && !empty && !vacated.contains(new SlotRef(move.to(), move.toSlot()))) {
                throw new SlotStateException(move + ": the target slot holds expert " + move.to().expertAt(move.toSlot())
                        + ", which this migration does not move away");
            }
        }
        layouts(moves); // the remaps must form a valid layout per device
    }

    /** The new layout of every ExpertSlots that loses an expert or remaps one, as {@link ExpertSlots#relayout} input. */
    private static Map<ExpertSlots, int[]> layouts(List<ExpertMove> moves) {
        Map<ExpertSlots, int[]> layouts = new LinkedHashMap<>();
        for (ExpertMove move : moves) {
            if (!move.keepSource()) {
                layouts.computeIfAbsent(move.from(), ExpertMigration::currentLayout);
            }
        }
        for (ExpertMove move : moves) {
            if (!move.copies()) {
                layouts.get(move.to())[move.toSlot()] = move.fromSlot();
            }
        }
        for (ExpertMove move : moves) {
            if (!move.keepSource()) {
                int[] layout = layouts.get(move.from());
                if (layout[move.fromSlot()] == move.fromSlot()) {
                    layout[move.fromSlot()] = ExpertSlots.EMPTY;
                }
            }
        }
        return layouts;
    }

    private static int[] currentLayout(ExpertSlots slots) {
        int[] experts = slots.layout();
        int[] identity = new int[experts.length];
        for (int slot = 0; slot < experts.length; slot++) {
            identity[slot] = experts[slot] == ExpertSlots.EMPTY ? ExpertSlots.EMPTY : slot;
        }
        return identity;
    }

    private static List<List<ExpertMove>> split(List<ExpertMove> moves, int maxInFlight) {
        List<List<ExpertMove>> steps = new ArrayList<>();
        List<ExpertMove> step = new ArrayList<>();
        int copies = 0;
        for (ExpertMove move : moves) {
            if (move.copies() && copies == maxInFlight) {
                steps.add(step);
                step = new ArrayList<>();
                copies = 0;
            }
            step.add(move);
            copies += move.copies() ? 1 : 0;
        }
        if (!step.isEmpty()) {
            steps.add(step);
        }
        return steps;
    }

    /** Undoes a committed step: drop its replicas, move remapped experts back, then copy moved experts home. */
    private void reverse(List<ExpertMove> step, int maxInFlight) {
        for (ExpertMove move : step) {
            if (move.keepSource()) {
                move.to().release(move.toSlot());
            }
        }
        List<ExpertMove> remapsBack = new ArrayList<>();
        List<ExpertMove> copiesBack = new ArrayList<>();
        for (ExpertMove move : step) {
            if (move.keepSource()) {
                continue;
            }
            ExpertMove back = ExpertMove.move(move.to(), move.toSlot(), move.from(), move.fromSlot());
            (move.copies() ? copiesBack : remapsBack).add(back);
        }
        if (!remapsBack.isEmpty()) {
            prepare(remapsBack).commit();
        }
        for (List<ExpertMove> part : split(copiesBack, maxInFlight)) {
            prepare(part).commit();
        }
    }

    private static RuntimeException releaseTargets(List<ExpertMove> copied) {
        RuntimeException failure = null;
        for (int i = copied.size() - 1; i >= 0; i--) {
            ExpertMove move = copied.get(i);
            try {
                move.to().release(move.toSlot());
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }
}
