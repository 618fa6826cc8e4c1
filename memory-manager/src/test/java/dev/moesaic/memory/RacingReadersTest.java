package dev.moesaic.memory;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Readers that break the contract (they keep reading slots while another thread remaps, releases and finally
 * closes everything) must see either one expert's complete bytes or an exception: never a torn mix, never a
 * crash.
 */
class RacingReadersTest {
    private static final long PAGE = 4096;
    private static final int SLOTS = 6;
    private static final long EXPERT = 4 * PAGE;

    @Test
    void readersSeeWholeExpertsOrExceptionsWhileSlotsChangeUnderThem() throws Exception {
        DevicePool pool = DevicePool.open("race", 64 * PAGE, PAGE);
        ExpertSlots slots = ExpertSlots.create(pool, "layer", SLOTS, EXPERT);
        for (int slot = 0; slot < SLOTS; slot++) {
            place(slots, slot, slot);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong consistentReads = new AtomicLong();
        AtomicLong invalidated = new AtomicLong();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int seed = r;
            readers.add(Thread.ofPlatform().start(() -> read(slots, seed, stop, consistentReads, invalidated, unexpected)));
        }
        Random random = new Random(3);
        int nextExpert = SLOTS;
        for (int round = 0; round < 1500 && unexpected.get() == null; round++) {
            int slot = random.nextInt(SLOTS);
            switch (random.nextInt(3)) {
                case 0 -> slots.relayout(shuffledOccupied(slots, random));
                case 1 -> {
                    if (slots.expertAt(slot) != ExpertSlots.EMPTY) {
                        slots.release(slot);
                    } else {
                        place(slots, slot, nextExpert++);
                    }
                }
                default -> {
                    int to = random.nextInt(SLOTS);
                    if (slots.expertAt(slot) != ExpertSlots.EMPTY && slots.expertAt(to) == ExpertSlots.EMPTY) {
                        slots.moveWithin(slot, to);
                    }
                }
            }
        }
        pool.close(); // closes the slots' region under the readers' feet
        stop.set(true);
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(unexpected.get()).isNull();
        assertThat(consistentReads.get()).isPositive();
        assertThat(invalidated.get()).isPositive();
        slots.close();
    }

    private static void read(ExpertSlots slots, int seed, AtomicBoolean stop, AtomicLong consistent,
            AtomicLong invalidated, AtomicReference<Throwable> unexpected) {
        Random random = new Random(seed);
        while (!stop.get()) {
            try {
                MemorySegment segment = slots.slotSegment(random.nextInt(SLOTS));
                long first = segment.get(JAVA_LONG, 0);
                for (long offset = 0; offset < EXPERT; offset += 512) {
                    long value = segment.get(JAVA_LONG, offset);
                    if (value != first) {
                        throw new AssertionError("torn read: " + first + " then " + value + " at " + offset);
                    }
                }
                consistent.incrementAndGet();
            } catch (IllegalStateException | MemoryManagerException e) {
                invalidated.incrementAndGet(); // a closed segment, an empty slot, or closed slots: all fine
            } catch (Throwable t) {
                unexpected.set(t);
                return;
            }
        }
    }

    private static void place(ExpertSlots slots, int slot, int expert) {
        slots.place(slot, expert, target -> {
            for (long offset = 0; offset < EXPERT; offset += 8) {
                target.set(JAVA_LONG, offset, expert + 1L);
            }
        });
    }

    private static int[] shuffledOccupied(ExpertSlots slots, Random random) {
        List<Integer> sources = new ArrayList<>();
        for (int slot = 0; slot < SLOTS; slot++) {
            sources.add(slots.expertAt(slot) == ExpertSlots.EMPTY ? ExpertSlots.EMPTY : slot);
        }
        java.util.Collections.shuffle(sources, random);
        return sources.stream().mapToInt(Integer::intValue).toArray();
    }
}
