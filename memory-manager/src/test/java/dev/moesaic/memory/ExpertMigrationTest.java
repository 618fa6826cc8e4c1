package dev.moesaic.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ExpertMigrationTest {
    private static final long PAGE = 4096;
    private static final long EXPERT = 5 * PAGE + 7;
    private static final int EXPERTS = 8;

    /**
     * Re-lays a whole layer from "8 experts on d0" to "4 on d1, the other 4 reversed on d0". Peak memory over both
     * devices is the steady state plus the experts in flight per step, never a second copy of the layer.
     */
    @Test
    void peakMemoryIsSteadyStatePlusTheExpertsInFlight() {
        for (int maxInFlight : new int[] {1, 2, 4}) {
            MemoryMetrics metrics = new MemoryMetrics();
            CopyEngine engine = CopyEngine.unlimited();
            try (DevicePool d0 = DevicePool.open("d0", 64 * PAGE, PAGE, metrics);
                    DevicePool d1 = DevicePool.open("d1", 64 * PAGE, PAGE, metrics);
                    ExpertSlots onD0 = ExpertSlots.create(d0, "layer 0 @d0", EXPERTS, EXPERT);
                    ExpertSlots onD1 = ExpertSlots.create(d1, "layer 0 @d1", EXPERTS, EXPERT)) {
                fill(onD0);
                long steady = metrics.usedBytes();
                assertThat(steady).isEqualTo(EXPERTS * onD0.slotBytes());
                metrics.resetPeaks();

                List<ExpertMove> moves = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    moves.add(ExpertMove.move(onD0, i, onD1, i));               // copy to the new device
                    moves.add(ExpertMove.move(onD0, EXPERTS - 1 - i, onD0, i)); // remap into the vacated slot
                }
                MigrationReport report = new ExpertMigration(engine).execute(moves, maxInFlight);

                assertThat(metrics.peakBytes()).isEqualTo(steady + maxInFlight * onD0.slotBytes());
                assertThat(metrics.usedBytes()).isEqualTo(steady);
                assertThat(report).isEqualTo(new MigrationReport(8, 4, 4, 4 * EXPERT, 4 / maxInFlight));
                assertThat(engine.bytesCopied()).isEqualTo(4 * EXPERT);
                assertThat(onD1.layout()).containsExactly(0, 1, 2, 3, -1, -1, -1, -1);
                assertThat(onD0.layout()).containsExactly(7, 6, 5, 4, -1, -1, -1, -1);
                for (int slot = 0; slot < 4; slot++) {
                    assertThat(Patterns.matches(onD1.slotSegment(slot), onD1.expertAt(slot))).isTrue();
                    assertThat(Patterns.matches(onD0.slotSegment(slot), onD0.expertAt(slot))).isTrue();
                }
            }
        }
    }

    @Test
    void aMigrationThatFailsHalfWayPutsEveryExpertBack() {
        CopyEngine engine = CopyEngine.unlimited();
        try (DevicePool d0 = DevicePool.open("d0", 64 * PAGE, PAGE);
                DevicePool d1 = DevicePool.open("d1", 18 * PAGE, PAGE); // room for 3 experts, not 4
                ExpertSlots onD0 = ExpertSlots.create(d0, "layer 0 @d0", EXPERTS, EXPERT);
                ExpertSlots onD1 = ExpertSlots.create(d1, "layer 0 @d1", EXPERTS, EXPERT)) {
            fill(onD0);
            int[] layoutBefore = onD0.layout();
            long d0Before = d0.usedBytes();
            List<ExpertMove> moves = List.of(
                    ExpertMove.move(onD0, 0, onD1, 0),
                    ExpertMove.move(onD0, 6, onD0, 0), // a remap that must be undone too
                    ExpertMove.move(onD0, 1, onD1, 1),
                    ExpertMove.move(onD0, 2, onD1, 2),
                    ExpertMove.move(onD0, 3, onD1, 3));

            assertThatThrownBy(() -> new ExpertMigration(engine).execute(moves, 2))
                    .isInstanceOf(MigrationFailedException.class)
                    .hasMessageContaining("migration failed in step 2 of 2")
                    .hasMessageContaining("1 earlier steps were reversed, every expert is where it was")
                    .hasRootCauseInstanceOf(PoolExhaustedException.class)
                    .satisfies(e -> assertThat(((MigrationFailedException) e).restored()).isTrue());

            assertThat(onD0.layout()).containsExactly(layoutBefore);
            for (int slot = 0; slot < EXPERTS; slot++) {
                assertThat(Patterns.matches(onD0.slotSegment(slot), slot)).isTrue();
            }
            assertThat(onD1.occupiedSlots()).isZero();
            assertThat(d1.usedBytes()).isZero();
            assertThat(d1.liveAllocations()).isEmpty();
            assertThat(d0.usedBytes()).isEqualTo(d0Before);
            assertThat(d0.liveAllocations()).hasSize(EXPERTS);
        }
    }

    @Test
    void prepareCopiesWhileReadersContinueAndCommitSwitches() throws Exception {
        CopyEngine engine = CopyEngine.withBandwidth(512 * PAGE); // slow enough that readers overlap the copies
        try (DevicePool d0 = DevicePool.open("d0", 64 * PAGE, PAGE);
                DevicePool d1 = DevicePool.open("d1", 64 * PAGE, PAGE);
                ExpertSlots onD0 = ExpertSlots.create(d0, "layer 0 @d0", EXPERTS, EXPERT);
                ExpertSlots onD1 = ExpertSlots.create(d1, "layer 0 @d1", EXPERTS, EXPERT)) {
            fill(onD0);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    while (!stop.get()) {
                        for (int slot = 0; slot < EXPERTS; slot++) {
                            MemorySegment segment = onD0.slotSegment(slot);
                            if (!Patterns.matches(segment.asSlice(0, 256), slot)) {
                                throw new AssertionError("slot " + slot + " shows the wrong bytes");
                            }
                            reads.incrementAndGet();
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            ExpertMigration migration = new ExpertMigration(engine);
            ExpertMigration.Prepared prepared = migration.prepare(List.of(
                    ExpertMove.move(onD0, 0, onD1, 0), ExpertMove.replicate(onD0, 1, onD1, 1)));
            long readsDuringPrepare = reads.get();
            stop.set(true); // the engine stops reading at the iteration boundary...
            reader.join();
            assertThat(failure.get()).isNull();
            assertThat(readsDuringPrepare).isPositive();
            assertThat(onD0.expertAt(0)).isEqualTo(0); // nothing a reader sees changed during prepare

            MigrationReport report = prepared.commit(); // ...and the placement switches there
            assertThat(report).isEqualTo(new MigrationReport(2, 2, 0, 2 * EXPERT, 1));
            assertThat(onD0.expertAt(0)).isEqualTo(ExpertSlots.EMPTY);
            assertThat(onD0.expertAt(1)).isEqualTo(1); // the replica's source stays
            assertThat(onD1.layout()).startsWith(0, 1);
            assertThatThrownBy(prepared::commit).hasMessageContaining("already committed or aborted");
        }
    }

    @Test
    void abortReleasesThePreparedCopies() {
        try (DevicePool d0 = DevicePool.open("d0", 64 * PAGE, PAGE);
                DevicePool d1 = DevicePool.open("d1", 64 * PAGE, PAGE);
                ExpertSlots onD0 = ExpertSlots.create(d0, "a", EXPERTS, EXPERT);
                ExpertSlots onD1 = ExpertSlots.create(d1, "b", EXPERTS, EXPERT)) {
            fill(onD0);
            ExpertMigration.Prepared prepared = new ExpertMigration(CopyEngine.unlimited())
                    .prepare(List.of(ExpertMove.move(onD0, 3, onD1, 5), ExpertMove.move(onD0, 4, onD1, 6)));
            assertThat(d1.usedBytes()).isEqualTo(2 * onD1.slotBytes());
            prepared.abort();
            assertThat(d1.usedBytes()).isZero();
            assertThat(onD1.occupiedSlots()).isZero();
            assertThat(onD0.occupiedSlots()).isEqualTo(EXPERTS);
        }
    }

    @Test
    void movesThatDoNotFitTheSlotsAreRejectedBeforeAnythingHappens() {
        try (DevicePool d0 = DevicePool.open("d0", 64 * PAGE, PAGE);
                DevicePool d1 = DevicePool.open("d1", 64 * PAGE, PAGE);
                ExpertSlots onD0 = ExpertSlots.create(d0, "a", EXPERTS, EXPERT);
                ExpertSlots onD1 = ExpertSlots.create(d1, "b", EXPERTS, EXPERT)) {
            onD0.place(0, 0, Patterns.source(0, EXPERT));
            onD0.place(1, 1, Patterns.source(1, EXPERT));
            onD1.place(0, 9, Patterns.source(9, EXPERT));
            ExpertMigration migration = new ExpertMigration(CopyEngine.unlimited());
            assertThatThrownBy(() -> migration.prepare(List.of(ExpertMove.move(onD0, 0, onD1, 0))))
                    .isInstanceOf(SlotStateException.class)
                    .hasMessageContaining("the target slot holds expert 9; a copy needs an empty slot");
            assertThatThrownBy(() -> migration.prepare(List.of(ExpertMove.move(onD0, 2, onD1, 1))))
                    .hasMessageContaining("the source slot is empty");
            assertThatThrownBy(() -> migration.prepare(
                    List.of(ExpertMove.move(onD0, 0, onD1, 1), ExpertMove.move(onD0, 1, onD1, 1))))
                    .hasMessageContaining("another move already targets that slot");
            assertThatThrownBy(() -> migration.prepare(
                    List.of(ExpertMove.move(onD0, 0, onD1, 1), ExpertMove.move(onD0, 0, onD1, 2))))
                    .hasMessageContaining("already moved away by another move");
            assertThatThrownBy(() -> migration.prepare(List.of(ExpertMove.move(onD0, 0, onD0, 1))))
                    .hasMessageContaining("the target slot holds expert 1, which this migration does not move away");
            assertThatThrownBy(() -> ExpertMove.move(onD0, 1, onD0, 1)).hasMessageContaining("to itself");
            assertThatThrownBy(() -> migration.execute(List.of(), 0)).hasMessageContaining("maxInFlight must be positive");
            assertThat(d1.usedBytes()).isEqualTo(onD1.slotBytes());
            // a swap within a device needs no spare slot
            MigrationReport swap = migration.execute(
                    List.of(ExpertMove.move(onD0, 0, onD0, 1), ExpertMove.move(onD0, 1, onD0, 0)), 1);
            assertThat(swap.copies()).isZero();
            assertThat(swap.remaps()).isEqualTo(2);
            assertThat(onD0.layout()).startsWith(1, 0);
        }
    }

    private static void fill(ExpertSlots slots) {
        for (int slot = 0; slot < slots.slotCount(); slot++) {
            slots.place(slot, slot, Patterns.source(slot, slots.expertBytes()));
        }
    }
}
