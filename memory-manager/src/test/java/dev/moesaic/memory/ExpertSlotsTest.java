package dev.moesaic.memory;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExpertSlotsTest {
    private static final long PAGE = 4096;
    private static final long EXPERT = 3 * PAGE + 100; // deliberately not page-aligned

    @Test
    void placedExpertsAreReadableAndSlotsArePageAligned() {
        try (DevicePool pool = DevicePool.open("d0", 32 * PAGE, PAGE);
                ExpertSlots slots = ExpertSlots.create(pool, "layer 0", 4, EXPERT)) {
            assertThat(slots.slotBytes()).isEqualTo(4 * PAGE);
            slots.place(2, 17, Patterns.source(17, EXPERT));
            assertThat(slots.expertAt(2)).isEqualTo(17);
            assertThat(slots.expertAt(0)).isEqualTo(ExpertSlots.EMPTY);
            assertThat(slots.slotOf(17)).isEqualTo(2);
            assertThat(slots.slotSegment(2).byteSize()).isEqualTo(EXPERT);
            assertThat(Patterns.matches(slots.slotSegment(2), 17)).isTrue();
            assertThat(pool.usedBytes()).isEqualTo(4 * PAGE);
            assertThat(pool.bytesByOwner()).containsEntry("layer 0", 4 * PAGE);
            assertThat(pool.snapshot().bytesLoaded()).isEqualTo(EXPERT);
        }
    }

    @Test
    void aWriterCanFillTheSlotFromSeveralTensors() {
        try (DevicePool pool = DevicePool.open("d0", 32 * PAGE, PAGE);
                ExpertSlots slots = ExpertSlots.create(pool, "layer 0", 2, 3 * 64)) {
            MemorySegment gate = Patterns.source(1, 64);
            MemorySegment up = Patterns.source(2, 64);
            MemorySegment down = Patterns.source(3, 64);
            slots.place(0, 5, target -> {
                MemorySegment.copy(gate, 0, target, 0, 64);
                MemorySegment.copy(up, 0, target, 64, 64);
                MemorySegment.copy(down, 0, target, 128, 64);
            });
            assertThat(Patterns.matches(slots.slotSegment(0).asSlice(64, 64), 2)).isTrue();
            assertThat(Patterns.matches(slots.slotSegment(0).asSlice(128, 64), 3)).isTrue();

            assertThatThrownBy(() -> slots.place(1, 6, target -> {
                throw new IllegalStateException("tensor missing");
            })).hasMessage("tensor missing");
            assertThat(slots.expertAt(1)).isEqualTo(ExpertSlots.EMPTY);
            assertThat(pool.usedBytes()).isEqualTo(PAGE); // the failed slot's page went back
        }
    }

    @Test
    void movingWithinADeviceIsARemapWithZeroBytesCopied() {
        try (DevicePool pool = DevicePool.open("d0", 32 * PAGE, PAGE);
                ExpertSlots slots = ExpertSlots.create(pool, "layer 0", 4, EXPERT)) {
            slots.place(0, 7, Patterns.source(7, EXPERT));
            MemorySegment before = slots.slotSegment(0);
            DeviceMemorySnapshot loaded = pool.snapshot();

            slots.moveWithin(0, 3);

            assertThat(Patterns.matches(slots.slotSegment(3), 7)).isTrue();
            assertThat(slots.layout()).containsExactly(-1, -1, -1, 7);
            assertThatThrownBy(() -> before.get(JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
            DeviceMemorySnapshot after = pool.snapshot();
            assertThat(after.bytesCopiedIn()).isZero();
            assertThat(after.bytesCopiedOut()).isZero();
            assertThat(after.bytesLoaded()).isEqualTo(loaded.bytesLoaded());
            assertThat(after.remaps()).isEqualTo(loaded.remaps() + 1);
            assertThat(after.usedBytes()).isEqualTo(loaded.usedBytes());
        }
    }

    /** The zero-copy re-layout gives byte for byte what copying every expert to its new slot gives. */
    @Test
    void relayoutByRemappingMatchesRelayoutByCopying() {
        int slotCount = 8;
        Random random = new Random(11);
        try (DevicePool pool = DevicePool.open("d0", 64 * PAGE, PAGE);
                ExpertSlots fast = ExpertSlots.create(pool, "fast", slotCount, EXPERT);
                ExpertSlots slow = ExpertSlots.create(pool, "slow", slotCount, EXPERT)) {
            for (int slot = 0; slot < slotCount; slot++) {
                if (slot != 5) {
                    fast.place(slot, 100 + slot, Patterns.source(100 + slot, EXPERT));
                }
            }
            // new layout: a shuffled subset of the old slots; slot 1's expert is dropped, two slots end up empty
            int[] sources = {3, -1, 0, 7, 2, 4, 6, -1};
            for (int round = 0; round < 3; round++) {
                int[] oldExperts = fast.layout();
                // slow twin: copy every kept expert's bytes to its new slot in a second set of slots
                for (int slot = 0; slot < slotCount; slot++) {
                    if (sources[slot] >= 0) {
                        slow.place(slot, oldExperts[sources[slot]], fast.slotSegment(sources[slot]));
                    }
                }
                long copiedBefore = pool.snapshot().bytesCopiedIn();
                long loadedBefore = pool.snapshot().bytesLoaded();

                fast.relayout(sources);

                for (int slot = 0; slot < slotCount; slot++) {
                    assertThat(fast.expertAt(slot)).isEqualTo(slow.expertAt(slot));
                    if (fast.expertAt(slot) != ExpertSlots.EMPTY) {
                        assertThat(fast.slotSegment(slot).mismatch(slow.slotSegment(slot))).isEqualTo(-1);
                    }
                }
                assertThat(pool.snapshot().bytesCopiedIn()).isEqualTo(copiedBefore);
                assertThat(pool.snapshot().bytesLoaded()).isEqualTo(loadedBefore);
                for (int slot = 0; slot < slotCount; slot++) {
                    if (slow.expertAt(slot) != ExpertSlots.EMPTY) {
                        slow.release(slot);
                    }
                }
                // next round: a random permutation of whatever is there now (empty slots stay empty)
                sources = randomPermutation(random, slotCount);
                for (int slot = 0; slot < slotCount; slot++) {
                    if (fast.expertAt(sources[slot]) == ExpertSlots.EMPTY) {
                        sources[slot] = ExpertSlots.EMPTY;
                    }
                }
            }
            assertThat(fast.occupiedSlots()).isEqualTo(6);
            assertThat(pool.usedBytes()).isEqualTo(6 * fast.slotBytes()); // the dropped expert's pages were freed
        }
    }

    @Test
    void relayoutRejectsBadLayoutsWithoutChangingAnything() {
        try (DevicePool pool = DevicePool.open("d0", 32 * PAGE, PAGE);
                ExpertSlots slots = ExpertSlots.create(pool, "layer 0", 3, EXPERT)) {
            slots.place(0, 1, Patterns.source(1, EXPERT));
            slots.place(1, 2, Patterns.source(2, EXPERT));
            assertThatThrownBy(() -> slots.relayout(new int[] {0, 0, -1}))
                    .hasMessageContaining("slot 0 of 'layer 0' is named as the source of two slots");
            assertThatThrownBy(() -> slots.relayout(new int[] {2, 1, 0}))
                    .isInstanceOf(SlotStateException.class)
                    .hasMessageContaining("slot 2 of 'layer 0' is empty");
            assertThatThrownBy(() -> slots.relayout(new int[] {1, 0})).hasMessageContaining("needs 3 entries, got 2");
            assertThatThrownBy(() -> slots.relayout(new int[] {1, 9, -1})).hasMessageContaining("use a slot in [0, 3)");
            assertThat(slots.layout()).containsExactly(1, 2, -1);
            slots.relayout(new int[] {1, -1, 0}); // swap through no spare slot, one moves to the empty end
            assertThat(slots.layout()).containsExactly(2, -1, 1);
            assertThat(Patterns.matches(slots.slotSegment(2), 1)).isTrue();
        }
    }

    @Test
    void copyToAnotherDeviceCopiesExactlyTheExpertsBytes() {
        CopyEngine engine = CopyEngine.unlimited();
        try (DevicePool d0 = DevicePool.open("d0", 32 * PAGE, PAGE);
                DevicePool d1 = DevicePool.open("d1", 32 * PAGE, PAGE);
                ExpertSlots source = ExpertSlots.create(d0, "layer 0 @d0", 2, EXPERT);
                ExpertSlots target = ExpertSlots.create(d1, "layer 0 @d1", 2, EXPERT)) {
            source.place(0, 9, Patterns.source(9, EXPERT));
            // garbage in the source slot's padding must not travel
            MemorySegment padding = source.region().view(EXPERT, source.slotBytes() - EXPERT);
            padding.fill((byte) 0x7f);

            long copied = source.copyTo(0, target, 1, engine);

            assertThat(copied).isEqualTo(EXPERT);
            assertThat(engine.bytesCopied()).isEqualTo(EXPERT);
            assertThat(d0.snapshot().bytesCopiedOut()).isEqualTo(EXPERT);
            assertThat(d1.snapshot().bytesCopiedIn()).isEqualTo(EXPERT);
            assertThat(d1.snapshot().expertsMigratedIn()).isEqualTo(1);
            assertThat(d0.snapshot().expertsMigratedOut()).isEqualTo(1);
            assertThat(target.expertAt(1)).isEqualTo(9);
            assertThat(Patterns.matches(target.slotSegment(1), 9)).isTrue();
            assertThat(Patterns.isZero(target.region().view(target.slotBytes() + EXPERT, target.slotBytes() - EXPERT)))
                    .isTrue();
            assertThat(Patterns.matches(source.slotSegment(0), 9)).isTrue(); // a copy leaves the source as it was

            source.moveTo(0, target, 0, engine);
            assertThat(source.occupiedSlots()).isZero();
            assertThat(d0.usedBytes()).isZero();
            assertThat(d1.usedBytes()).isEqualTo(2 * target.slotBytes());
            assertThat(engine.bytesCopied()).isEqualTo(2 * EXPERT);
        }
    }

    @Test
    void aFailedCopyLeavesBothSidesAsTheyWere() {
        CopyEngine engine = CopyEngine.unlimited();
        try (DevicePool d0 = DevicePool.open("d0", 32 * PAGE, PAGE);
                DevicePool small = DevicePool.open("small", 4 * PAGE, PAGE);
                ExpertSlots source = ExpertSlots.create(d0, "src", 2, EXPERT);
                ExpertSlots target = ExpertSlots.create(small, "dst", 2, EXPERT)) {
            source.place(0, 1, Patterns.source(1, EXPERT));
            source.place(1, 2, Patterns.source(2, EXPERT));
            source.copyTo(0, target, 0, engine);
            DeviceMemorySnapshot before = small.snapshot();

            assertThatThrownBy(() -> source.copyTo(1, target, 1, engine)).isInstanceOf(PoolExhaustedException.class);
            assertThatThrownBy(() -> source.copyTo(1, target, 0, engine))
                    .isInstanceOf(SlotStateException.class)
                    .hasMessageContaining("slot 0 of 'dst' holds expert 1");

            assertThat(small.snapshot()).isEqualTo(before);
            assertThat(target.layout()).containsExactly(1, -1);
            assertThat(source.layout()).containsExactly(1, 2);
            assertThat(source.allocationAt(1).isPinned()).isFalse();
        }
    }

    @Test
    void slotMistakesGiveClearExceptions() {
        try (DevicePool pool = DevicePool.open("d0", 32 * PAGE, PAGE);
                ExpertSlots slots = ExpertSlots.create(pool, "layer 0", 2, EXPERT)) {
            slots.place(0, 1, Patterns.source(1, EXPERT));
            assertThatThrownBy(() -> slots.place(0, 2, Patterns.source(2, EXPERT)))
                    .isInstanceOf(SlotStateException.class)
                    .hasMessage("slot 0 of 'layer 0' holds expert 1; cannot place expert 2 (release or move it first)");
            assertThatThrownBy(() -> slots.place(1, 2, Patterns.source(2, EXPERT - 1)))
                    .hasMessageContaining("source is 12387 bytes but the experts of 'layer 0' are 12388 bytes");
            assertThatThrownBy(() -> slots.place(2, 2, Patterns.source(2, EXPERT)))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("slot 2 of 'layer 0' does not exist; slots are 0..1");
            assertThatThrownBy(() -> slots.place(1, -3, Patterns.source(2, EXPERT))).hasMessageContaining("non-negative");
            assertThatThrownBy(() -> slots.release(1))
                    .isInstanceOf(SlotStateException.class)
                    .hasMessage("slot 1 of 'layer 0' is empty; cannot release it");
            assertThatThrownBy(() -> slots.slotSegment(1)).isInstanceOf(SlotStateException.class);
            assertThatThrownBy(() -> slots.moveWithin(1, 0)).isInstanceOf(SlotStateException.class);
            assertThatThrownBy(() -> ExpertSlots.create(pool, "bad", 0, EXPERT)).hasMessageContaining("positive slot count");
            assertThatThrownBy(() -> ExpertSlots.create(pool, "bad", 2, -1)).hasMessageContaining("positive expert size");
            assertThat(pool.usedBytes()).isEqualTo(slots.slotBytes());
        }
    }

    @Test
    void useAfterReleaseThrowsInsteadOfCrashing() {
        try (DevicePool pool = DevicePool.open("d0", 32 * PAGE, PAGE);
                ExpertSlots slots = ExpertSlots.create(pool, "layer 0", 2, EXPERT)) {
            slots.place(0, 1, Patterns.source(1, EXPERT));
            MemorySegment segment = slots.slotSegment(0);
            slots.release(0);
            assertThatThrownBy(() -> segment.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> slots.slotSegment(0))
                    .isInstanceOf(SlotStateException.class)
                    .hasMessage("slot 0 of 'layer 0' is empty; cannot read it");
            assertThat(pool.usedBytes()).isZero();
        }
    }

    @Test
    void theLayerSegmentShowsEverySlotAtItsStride() {
        try (DevicePool pool = DevicePool.open("d0", 32 * PAGE, PAGE);
                ExpertSlots slots = ExpertSlots.create(pool, "layer 0", 3, EXPERT)) {
            slots.place(0, 4, Patterns.source(4, EXPERT));
            slots.place(1, 5, Patterns.source(5, EXPERT));
            assertThatThrownBy(slots::layerSegment).hasMessageContaining("slot 2 of 'layer 0' is empty");
            slots.place(2, 6, Patterns.source(6, EXPERT));
            MemorySegment layer = slots.layerSegment();
            assertThat(layer.byteSize()).isEqualTo(3 * slots.slotBytes());
            assertThat(Patterns.matches(layer.asSlice(2 * slots.slotBytes(), EXPERT), 6)).isTrue();
            slots.relayout(new int[] {2, 0, 1});
            assertThatThrownBy(() -> layer.get(JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
            assertThat(Patterns.matches(slots.layerSegment().asSlice(0, EXPERT), 6)).isTrue();
        }
    }

    @Test
    void closeReleasesEverySlotAndInvalidatesSegments() {
        try (DevicePool pool = DevicePool.open("d0", 32 * PAGE, PAGE)) {
            ExpertSlots slots = ExpertSlots.create(pool, "layer 0", 3, EXPERT);
            slots.place(0, 1, Patterns.source(1, EXPERT));
            slots.place(2, 3, Patterns.source(3, EXPERT));
            MemorySegment segment = slots.slotSegment(2);
            slots.close();
            assertThat(pool.usedBytes()).isZero();
            assertThat(pool.liveAllocations()).isEmpty();
            assertThatThrownBy(() -> segment.get(JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> slots.place(1, 2, Patterns.source(2, EXPERT)))
                    .isInstanceOf(ReleasedResourceException.class);
            assertThatThrownBy(() -> slots.slotSegment(0)).isInstanceOf(ReleasedResourceException.class);
            slots.close();
        }
    }

    private static int[] randomPermutation(Random random, int n) {
        int[] permutation = new int[n];
        for (int i = 0; i < n; i++) {
            permutation[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = permutation[i];
            permutation[i] = permutation[j];
            permutation[j] = t;
        }
        return permutation;
    }
}
