package dev.moesaic.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.testing.SeededProperty;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random place / release / move-within / relayout / copy / move / migrate sequences over one layer on three
 * devices of different capacity, against a model that knows only which expert sits in which slot. After every
 * step each slot shows exactly its expert's bytes (zero padding after them), accounting equals the occupied
 * slots, and the copy counter equals the bytes the model says were copied. Failed migrations must restore
 * the previous placement exactly.
 */
class ExpertPlacementPropertyTest {
    enum Kind { PLACE, RELEASE, MOVE_WITHIN, RELAYOUT, COPY, MOVE, MIGRATE }

    record Step(Kind kind, int a, int b, int c, int d) {
    }

    private static final long PAGE = 4096;
    private static final long EXPERT = 2 * PAGE + 50;
    private static final long SLOT = 3 * PAGE;
    private static final int SLOTS = 6;
    private static final int[] CAPACITY_SLOTS = {7, 5, 9};
    private static final Map<Integer, MemorySegment> EXPECTED = new HashMap<>();

    @Test
    void placementsMatchTheModelAfterEveryStep() {
        SeededProperty.check(60, c -> checkPlacements(c, steps(c)));
    }

    /** 1 to 40 steps, every kind equally likely, operands drawn from 0..10 000 and reduced by each kind. */
    private static List<Step> steps(SeededProperty.Case c) {
        int length = c.integer("steps", 1, 40);
        Kind[] kinds = Kind.values();
        SplittableRandom random = c.random();
        List<Step> steps = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            steps.add(new Step(kinds[random.nextInt(kinds.length)], random.nextInt(10_001), random.nextInt(10_001),
                    random.nextInt(10_001), random.nextInt(10_001)));
        }
        return steps;
    }

    private static void checkPlacements(SeededProperty.Case c, List<Step> steps) {
        MemoryMetrics metrics = new MemoryMetrics();
        CopyEngine engine = CopyEngine.unlimited();
        DevicePool[] pools = new DevicePool[3];
        ExpertSlots[] slots = new ExpertSlots[3];
        int[][] model = new int[3][SLOTS];
        long[] copiedBytes = {0};
        try {
            for (int d = 0; d < 3; d++) {
                pools[d] = DevicePool.open("place" + d, CAPACITY_SLOTS[d] * SLOT, PAGE, metrics);
                slots[d] = ExpertSlots.create(pools[d], "layer @d" + d, SLOTS, EXPERT);
                java.util.Arrays.fill(model[d], ExpertSlots.EMPTY);
            }
            for (int slot = 0; slot < SLOTS; slot++) {
                slots[0].place(slot, slot, expected(slot));
                model[0][slot] = slot;
            }
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                c.step(i, step);
                apply(step, slots, model, engine, copiedBytes);
                verify(pools, slots, model, metrics, engine, copiedBytes[0]);
            }
        } finally {
            for (int d = 0; d < 3; d++) {
                if (slots[d] != null) {
                    slots[d].close();
                }
                if (pools[d] != null) {
                    assertThat(pools[d].usedBytes()).isZero();
                    pools[d].close();
                }
            }
        }
    }

    private static void apply(Step step, ExpertSlots[] slots, int[][] model, CopyEngine engine, long[] copied) {
        int d = step.a() % 3;
        switch (step.kind()) {
            case PLACE -> {
                int slot = step.b() % SLOTS;
                int expert = 100 + step.c() % 50;
                if (model[d][slot] != ExpertSlots.EMPTY) {
                    assertThatThrownBy(() -> slots[d].place(slot, expert, expected(expert)))
                            .isInstanceOf(SlotStateException.class);
                } else if (occupied(model[d]) == CAPACITY_SLOTS[d]) {
                    assertThatThrownBy(() -> slots[d].place(slot, expert, expected(expert)))
                            .isInstanceOf(PoolExhaustedException.class);
                } else {
                    slots[d].place(slot, expert, expected(expert));
                    model[d][slot] = expert;
                }
            }
            case RELEASE -> {
                int slot = step.b() % SLOTS;
                if (model[d][slot] == ExpertSlots.EMPTY) {
                    assertThatThrownBy(() -> slots[d].release(slot)).isInstanceOf(SlotStateException.class);
                } else {
                    slots[d].release(slot);
                    model[d][slot] = ExpertSlots.EMPTY;
                }
            }
            case MOVE_WITHIN -> {
                int from = step.b() % SLOTS;
                int to = step.c() % SLOTS;
                if (from == to) {
                    return;
                }
                if (model[d][from] == ExpertSlots.EMPTY || model[d][to] != ExpertSlots.EMPTY) {
                    assertThatThrownBy(() -> slots[d].moveWithin(from, to)).isInstanceOf(SlotStateException.class);
                } else {
                    slots[d].moveWithin(from, to);
                    model[d][to] = model[d][from];
                    model[d][from] = ExpertSlots.EMPTY;
                }
            }
            case RELAYOUT -> {
                Random random = new Random(step.b());
                List<Integer> occupied = new ArrayList<>();
                for (int slot = 0; slot < SLOTS; slot++) {
                    if (model[d][slot] != ExpertSlots.EMPTY) {
                        occupied.add(slot);
                    }
                }
                java.util.Collections.shuffle(occupied, random);
                if (!occupied.isEmpty() && random.nextInt(3) == 0) {
                    occupied.removeLast(); // one expert leaves the layer
                }
                int[] sources = new int[SLOTS];
                java.util.Arrays.fill(sources, ExpertSlots.EMPTY);
                List<Integer> targets = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5));
                java.util.Collections.shuffle(targets, random);
                for (int i = 0; i < occupied.size(); i++) {
                    sources[targets.get(i)] = occupied.get(i);
                }
                slots[d].relayout(sources);
                int[] next = new int[SLOTS];
                for (int slot = 0; slot < SLOTS; slot++) {
                    next[slot] = sources[slot] == ExpertSlots.EMPTY ? ExpertSlots.EMPTY : model[d][sources[slot]];
                }
                model[d] = next;
            }
            case COPY, MOVE -> {
                int to = step.b() % 3;
                int fromSlot = step.c() % SLOTS;
                int toSlot = step.d() % SLOTS;
                if (d == to && fromSlot == toSlot) {
                    return;
                }
                boolean move = step.kind() == Kind.MOVE;
                Runnable call = () -> {
                    if (move) {
                        slots[d].moveTo(fromSlot, slots[to], toSlot, engine);
                    } else {
                        slots[d].copyTo(fromSlot, slots[to], toSlot, engine);
                    }
                };
                if (model[d][fromSlot] == ExpertSlots.EMPTY || model[to][toSlot] != ExpertSlots.EMPTY) {
                    assertThatThrownBy(call::run).isInstanceOf(SlotStateException.class);
                } else if (occupied(model[to]) == CAPACITY_SLOTS[to]) {
                    assertThatThrownBy(call::run).isInstanceOf(PoolExhaustedException.class);
                } else {
                    call.run();
                    copied[0] += EXPERT;
                    model[to][toSlot] = model[d][fromSlot];
                    if (move) {
                        model[d][fromSlot] = ExpertSlots.EMPTY;
                    }
                }
            }
            case MIGRATE -> migrate(step, slots, model, engine, copied);
        }
    }

    private record Ref(int device, int slot) {
    }

    private record PlannedMove(Ref from, Ref to, boolean keep) {
        boolean copies() {
            return from.device() != to.device() || keep;
        }
    }

    /** Random valid-looking moves (sources occupied, targets empty); the model predicts success or failure. */
    private static void migrate(Step step, ExpertSlots[] slots, int[][] model, CopyEngine engine, long[] copied) {
        Random random = new Random(step.b());
        List<Ref> sources = new ArrayList<>();
        List<Ref> targets = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            for (int slot = 0; slot < SLOTS; slot++) {
                (model[d][slot] == ExpertSlots.EMPTY ? targets : sources).add(new Ref(d, slot));
            }
        }
        java.util.Collections.shuffle(sources, random);
        java.util.Collections.shuffle(targets, random);
        int count = Math.min(1 + random.nextInt(4), Math.min(sources.size(), targets.size()));
        List<PlannedMove> planned = new ArrayList<>();
        Set<Ref> movedAway = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Ref from = sources.get(random.nextInt(Math.min(sources.size(), 3)));
            boolean keep = movedAway.contains(from) || random.nextInt(4) == 0;
            if (!keep) {
                movedAway.add(from);
            }
            planned.add(new PlannedMove(from, targets.get(i), keep));
        }
        int maxInFlight = 1 + step.c() % 3;
        List<ExpertMove> moves = planned.stream().map(m -> new ExpertMove(slots[m.from().device()], m.from().slot(),
                slots[m.to().device()], m.to().slot(), m.keep())).toList();

        int[][] predicted = deepCopy(model);
        long predictedCopies = simulate(planned, maxInFlight, predicted);
        if (predictedCopies >= 0) {
            new ExpertMigration(engine).execute(moves, maxInFlight);
            copied[0] += predictedCopies * EXPERT;
            for (int d = 0; d < 3; d++) {
                model[d] = predicted[d];
            }
        } else {
            long before = engine.bytesCopied();
            assertThatThrownBy(() -> new ExpertMigration(engine).execute(moves, maxInFlight))
                    .isInstanceOf(MigrationFailedException.class)
                    .satisfies(e -> assertThat(((MigrationFailedException) e).restored()).isTrue());
            copied[0] += engine.bytesCopied() - before; // the failed attempt and its reversal copied real bytes
        }
    }

    /** Applies the moves step by step to {@code layout}; returns the copies made, or -1 if a step must fail. */
    private static long simulate(List<PlannedMove> planned, int maxInFlight, int[][] layout) {
        List<List<PlannedMove>> steps = new ArrayList<>();
        List<PlannedMove> current = new ArrayList<>();
        int copies = 0;
        for (PlannedMove move : planned) {
            if (move.copies() && copies == maxInFlight) {
                steps.add(current);
                current = new ArrayList<>();
                copies = 0;
            }
            current.add(move);
            copies += move.copies() ? 1 : 0;
        }
        steps.add(current);
        long total = 0;
        for (List<PlannedMove> step : steps) {
            int[] used = new int[3];
            for (int d = 0; d < 3; d++) {
                used[d] = occupied(layout[d]);
            }
            for (PlannedMove move : step) {
                if (layout[move.from().device()][move.from().slot()] == ExpertSlots.EMPTY) {
                    return -1; // moved away by an earlier step
                }
                if (move.copies() && ++used[move.to().device()] > CAPACITY_SLOTS[move.to().device()]) {
                    return -1;
                }
            }
            int[][] before = deepCopy(layout);
            Set<Ref> targeted = new HashSet<>();
            for (PlannedMove move : step) {
                layout[move.to().device()][move.to().slot()] = before[move.from().device()][move.from().slot()];
                targeted.add(move.to());
                total += move.copies() ? 1 : 0;
            }
            for (PlannedMove move : step) {
                if (!move.keep() && !targeted.contains(move.from())) {
                    layout[move.from().device()][move.from().slot()] = ExpertSlots.EMPTY;
                }
            }
        }
        return total;
    }

    private static void verify(DevicePool[] pools, ExpertSlots[] slots, int[][] model, MemoryMetrics metrics,
            CopyEngine engine, long copied) {
        long total = 0;
        for (int d = 0; d < 3; d++) {
            assertThat(slots[d].layout()).as("layout of device %d", d).containsExactly(model[d]);
            int occupied = occupied(model[d]);
            total += occupied * SLOT;
            assertThat(pools[d].usedBytes()).isEqualTo(occupied * SLOT);
            assertThat(pools[d].liveAllocations()).hasSize(occupied);
            Set<Integer> pages = new HashSet<>();
            for (PoolAllocation allocation : pools[d].liveAllocations()) {
                for (int i = 0; i < allocation.pageCount(); i++) {
                    assertThat(pages.add(allocation.poolPage(i))).as("page owned twice").isTrue();
                }
                assertThat(allocation.mappedPages()).isEqualTo(allocation.pageCount());
            }
            for (int slot = 0; slot < SLOTS; slot++) {
                if (model[d][slot] != ExpertSlots.EMPTY) {
                    assertThat(slots[d].slotSegment(slot).mismatch(expected(model[d][slot])))
                            .as("bytes of device %d slot %d", d, slot).isEqualTo(-1);
                    MemorySegment padding = slots[d].region().view(slot * SLOT + EXPERT, SLOT - EXPERT);
                    assertThat(Patterns.isZero(padding)).isTrue();
                }
            }
        }
        assertThat(metrics.usedBytes()).isEqualTo(total);
        assertThat(engine.bytesCopied()).isEqualTo(copied);
    }

    private static MemorySegment expected(int expert) {
        return EXPECTED.computeIfAbsent(expert, e -> Patterns.source(e, EXPERT));
    }

    private static int occupied(int[] layout) {
        int count = 0;
        for (int expert : layout) {
            count += expert == ExpertSlots.EMPTY ? 0 : 1;
        }
        return count;
    }

    private static int[][] deepCopy(int[][] layout) {
        int[][] copy = new int[layout.length][];
        for (int i = 0; i < layout.length; i++) {
            copy[i] = layout[i].clone();
        }
        return copy;
    }
}
