package dev.moesaic.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * The experts of one layer on one device, in one {@link VirtualRegion} laid out as {@code [slot][expert bytes]}
 * so a grouped GEMM can see all of them as one tensor. Each occupied slot is backed by its own
 * {@link PoolAllocation} of {@link #slotBytes()} (the expert size rounded up to pages).
 *
 * <ul>
 *   <li>{@link #place}: load an expert into an empty slot from a source segment (the mmap'ed model file, a
 *       generated buffer) — counted as loaded bytes, not as a device copy.</li>
 *   <li>{@link #moveWithin} and {@link #relayout}: change which slot holds which expert on this device by
 *       remapping pages — zero bytes copied.</li>
 *   <li>{@link #copyTo} / {@link #moveTo}: send an expert to another device: one copy of its bytes into the
 *       target pool through a {@link CopyEngine}, then a map into the target slot.</li>
 *   <li>{@link #release}: unmap a slot and give its pages back.</li>
 * </ul>
 *
 * <p>Concurrency contract. Compute threads read experts through {@link #slotSegment} / {@link #layerSegment}
 * without locks. One background thread (the scaling controller) may at the same time {@code place},
 * {@code copyTo} into <em>empty</em> slots, or copy <em>from</em> occupied slots: none of that changes pages a
 * reader can see. {@code moveWithin}, {@code relayout}, {@code release} and {@code moveTo} change occupied
 * slots; call them only when no compute thread reads the affected slots (the engine commits placement
 * changes between iterations). A reader that races anyway gets {@link IllegalStateException} from its
 * segment, never a crash. All methods are thread-safe with respect to each other.
 */
public final class ExpertSlots implements AutoCloseable {
    /** What {@link #expertAt} returns for an empty slot. */
    public static final int EMPTY = -1;

    private final DevicePool pool;
    private final String name;
    private final int slotCount;
    private final long expertBytes;
    private final long slotBytes;
    private final VirtualRegion region;

    // guarded by this
    private final int[] experts;
    private final PoolAllocation[] allocations;
    private final boolean[] incoming; // a place or copy into this slot is in progress
    private int incomingCount;
    private int outgoingCopies;
    private boolean closing;

    // read without the lock: the segments themselves say whether they are still valid
    private final AtomicReferenceArray<MemorySegment> slotViews;
    private volatile MemorySegment layerView;

    private ExpertSlots(DevicePool pool, String name, int slotCount, long expertBytes) {
        this.pool = pool;
        this.name = name;
        this.slotCount = slotCount;
        this.expertBytes = expertBytes;
        this.slotBytes = pool.roundUpToPages(expertBytes);
        this.region = VirtualRegion.reserve(pool, name, slotBytes * slotCount);
        this.experts = new int[slotCount];
        Arrays.fill(experts, EMPTY);
        this.allocations = new PoolAllocation[slotCount];
        this.incoming = new boolean[slotCount];
        this.slotViews = new AtomicReferenceArray<>(slotCount);
    }

    /**
     * Reserves {@code slotCount} empty slots for experts of {@code expertBytes} each on {@code pool}. {@code name}
     * (e.g. {@code "layer 3 experts"}) is also the owner name of the slots' pages in the pool's accounting.
     */
    public static ExpertSlots create(DevicePool pool, String name, int slotCount, long expertBytes) {
        Objects.requireNonNull(pool, "pool");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("expert slots need a non-blank name");
        }
        if (slotCount <= 0) {
            throw new IllegalArgumentException("expert slots '" + name + "' need a positive slot count, got " + slotCount);
        }
        if (expertBytes <= 0) {
            throw new IllegalArgumentException("expert slots '" + name + "' need a positive expert size, got "
                    + expertBytes + " bytes");
        }
        return new ExpertSlots(pool, name, slotCount, expertBytes);
    }

    public DevicePool pool() {
        return pool;
    }

    public String name() {
        return name;
    }

    public int slotCount() {
        return slotCount;
    }

    /** The size of one expert's data, as given at creation. */
    public long expertBytes() {
        return expertBytes;
    }

    /** The distance between slots: {@link #expertBytes()} rounded up to the pool's pages. */
    public long slotBytes() {
        return slotBytes;
    }

    /** Loads {@code expert} into the empty {@code slot} by copying {@code source} (exactly {@link #expertBytes()}). */
    public void place(int slot, int expert, MemorySegment source) {
        Objects.requireNonNull(source, "source");
        if (source.byteSize() != expertBytes) {
            throw new IllegalArgumentException("expert " + expert + " source is " + source.byteSize() + " bytes but the "
                    + "experts of '" + name + "' are " + expertBytes + " bytes; pass exactly one expert's data");
        }
        place(slot, expert, target -> MemorySegment.copy(source, 0, target, 0, expertBytes));
    }

    /**
     * Loads {@code expert} into the empty {@code slot}: {@code writer} fills the slot's {@link #expertBytes()}
     * (e.g. the gate, up and down tensors back to back) before the slot counts as occupied. If the writer
     * throws, the slot stays empty and its pages are freed.
     */
    public void place(int slot, int expert, Consumer<MemorySegment> writer) {
        Objects.requireNonNull(writer, "writer");
        requireExpertId(expert);
        beginIncoming(slot, "place expert " + expert);
        PoolAllocation allocation = null;
        boolean mapped = false;
        try {
            allocation = pool.allocate(name, slotBytes);
            region.map(slotOffset(slot), allocation);
            mapped = true;
            writer.accept(region.view(slotOffset(slot), expertBytes));
        } catch (RuntimeException | Error e) {
            undoIncoming(slot, allocation, mapped, e);
            throw e;
        }
        pool.recordLoad(expertBytes);
        finishIncoming(slot, expert, allocation);
    }

    /** Moves the expert in {@code fromSlot} to the empty {@code toSlot} by remapping its pages: zero bytes copied. */
    public synchronized void moveWithin(int fromSlot, int toSlot) {
        requireOpen();
        requireOccupied(fromSlot, "move it");
        requireEmpty(toSlot, "move slot " + fromSlot + " there");
        region.remap(slotOffset(fromSlot), slotOffset(toSlot), slotBytes);
        experts[toSlot] = experts[fromSlot];
        allocations[toSlot] = allocations[fromSlot];
        experts[fromSlot] = EMPTY;
        allocations[fromSlot] = null;
    }

    /**
     * Re-lays the whole layer by remapping, zero bytes copied: afterwards slot {@code s} holds what slot
     * {@code sourceSlotForSlot[s]} held before, or is empty where the entry is {@code -1}. Each source slot may
     * be named once; experts whose slot is named by no entry are released. Either every slot changes or (on
     * failure) none does.
     */
    public void relayout(int[] sourceSlotForSlot) {
        applyLayout(sourceSlotForSlot).finish();
    }

    /**
     * Copies the expert in {@code slot} into the empty {@code targetSlot} of {@code target} (usually another
     * device): one copy of its bytes into the target pool through {@code engine}, then a map. This slot is
     * untouched. Returns the bytes copied ({@link #expertBytes()}). On failure the target slot stays empty.
     */
    public long copyTo(int slot, ExpertSlots target, int targetSlot, CopyEngine engine) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(engine, "engine");
        if (target.expertBytes != expertBytes) {
            throw new IllegalArgumentException("cannot copy an expert of " + expertBytes + " bytes from '" + name
                    + "' into '" + target.name + "' whose experts are " + target.expertBytes + " bytes");
        }
        if (target == this && slot == targetSlot) {
            throw new IllegalArgumentException("cannot copy slot " + slot + " of '" + name + "' onto itself");
        }
        PoolAllocation source;
        int expert;
        synchronized (this) {
            requireOpen();
            requireOccupied(slot, "copy it");
            source = allocations[slot];
            expert = experts[slot];
            pool.pin(source); // its pages stay put (no free) until the copy is done; remaps do not matter
            outgoingCopies++;
        }
        try {
            target.beginIncoming(targetSlot, "receive expert " + expert + " from '" + name + "'");
            PoolAllocation copy = null;
            boolean mapped = false;
            try {
                copy = target.pool.allocate(target.name, target.slotBytes);
                engine.copy(source, 0, copy, 0, expertBytes);
                target.region.map(target.slotOffset(targetSlot), copy);
                mapped = true;
            } catch (RuntimeException | Error e) {
                target.undoIncoming(targetSlot, copy, mapped, e);
                throw e;
            }
            target.finishIncoming(targetSlot, expert, copy);
            pool.recordExpertOut();
            target.pool.recordExpertIn();
            return expertBytes;
        } finally {
            pool.unpin(source);
            synchronized (this) {
                outgoingCopies--;
                notifyAll();
            }
        }
    }

    /** {@link #copyTo} then {@link #release} of this slot. Returns the bytes copied. */
    public long moveTo(int slot, ExpertSlots target, int targetSlot, CopyEngine engine) {
        long copied = copyTo(slot, target, targetSlot, engine);
        release(slot);
        return copied;
    }

    /** Unmaps the slot and frees its pages. Throws if it is empty or a copy is reading it. */
    public synchronized void release(int slot) {
        requireOpen();
        requireOccupied(slot, "release it");
        PoolAllocation allocation = allocations[slot];
        if (allocation.isPinned()) {
            throw new SlotStateException("slot " + slot + " of '" + name + "' (expert " + experts[slot] + ") is being "
                    + "copied to another device; release it after the copy finishes");
        }
        region.unmap(slotOffset(slot), slotBytes);
        pool.free(allocation);
        experts[slot] = EMPTY;
        allocations[slot] = null;
    }

    /** The expert in {@code slot}, or {@link #EMPTY}. */
    public synchronized int expertAt(int slot) {
        requireSlot(slot);
        return experts[slot];
    }

    /** The first slot holding {@code expert}, or -1. */
    public synchronized int slotOf(int expert) {
        for (int slot = 0; slot < slotCount; slot++) {
            if (experts[slot] == expert) {
                return slot;
            }
        }
        return -1;
    }

    /** The expert per slot ({@link #EMPTY} for empty slots), a copy. */
    public synchronized int[] layout() {
        return experts.clone();
    }

    public synchronized int occupiedSlots() {
        int occupied = 0;
        for (int expert : experts) {
            if (expert != EMPTY) {
                occupied++;
            }
        }
        return occupied;
    }

    /**
     * The {@link #expertBytes()} of the expert in {@code slot}, for kernels to read. Stays valid until this slot's
     * contents change (release, move, relayout) or the slots close; then using it throws
     * {@link IllegalStateException} and this method returns a fresh segment (or throws if the slot is empty).
     */
    public MemorySegment slotSegment(int slot) {
        requireSlot(slot);
        MemorySegment cached = slotViews.get(slot);
        if (cached != null && cached.scope().isAlive()) {
            return cached;
        }
        synchronized (this) {
            requireOpen();
            requireOccupied(slot, "read it");
            MemorySegment view = region.view(slotOffset(slot), expertBytes);
            slotViews.set(slot, view);
            return view;
        }
    }

    /**
     * All slots as one segment (slot {@code s} at {@code s * slotBytes()}), for grouped kernels. Needs every
     * slot occupied; invalidated by any change to any slot.
     */
    public MemorySegment layerSegment() {
        MemorySegment cached = layerView;
        if (cached != null && cached.scope().isAlive()) {
            return cached;
        }
        synchronized (this) {
            requireOpen();
            for (int slot = 0; slot < slotCount; slot++) {
                if (experts[slot] == EMPTY) {
                    throw new SlotStateException("slot " + slot + " of '" + name + "' is empty; layerSegment() needs "
                            + "every slot occupied, read occupied slots with slotSegment(slot)");
                }
            }
            MemorySegment view = region.view(0, slotBytes * slotCount);
            layerView = view;
            return view;
        }
    }

    /**
     * Waits for copies into or out of these slots to finish, then invalidates every segment, unmaps and frees
     * all slots. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        boolean interrupted = false;
        while (incomingCount > 0 || outgoingCopies > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true; // finish closing first; the copies are bounded
            }
        }
        region.close();
        for (int slot = 0; slot < slotCount; slot++) {
            if (allocations[slot] != null && pool.isOpen() && allocations[slot].isLive()) {
                pool.free(allocations[slot]);
            }
            allocations[slot] = null;
            experts[slot] = EMPTY;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    public synchronized boolean isOpen() {
        return !closing;
    }

    @Override
    public String toString() {
        return "expert slots '" + name + "' (" + slotCount + " slots of " + slotBytes + " bytes on pool '"
                + pool.device() + "')";
    }

    // ---- package-private ----

    VirtualRegion region() {
        return region;
    }

    synchronized PoolAllocation allocationAt(int slot) {
        return allocations[slot];
    }

    long slotOffset(int slot) {
        return slot * slotBytes;
    }

    /**
     * Applies a re-layout (see {@link #relayout}) but keeps the released experts' pages, so the change can still be
     * reverted. The caller must {@link Relayout#finish()} or {@link Relayout#revert()} it.
     */
    synchronized Relayout applyLayout(int[] sourceSlotForSlot) {
        requireOpen();
        Objects.requireNonNull(sourceSlotForSlot, "sourceSlotForSlot");
        if (sourceSlotForSlot.length != slotCount) {
            throw new IllegalArgumentException("a layout for '" + name + "' needs " + slotCount + " entries, got "
                    + sourceSlotForSlot.length);
        }
        boolean[] kept = new boolean[slotCount];
        for (int slot = 0; slot < slotCount; slot++) {
            int source = sourceSlotForSlot[slot];
            if (source == EMPTY) {
                continue;
            }
            if (source < 0 || source >= slotCount) {
                throw new IllegalArgumentException("layout entry for slot " + slot + " of '" + name + "' is " + source
                        + "; use a slot in [0, " + slotCount + ") or -1 for empty");
            }
            requireOccupied(source, "use it as the source of slot " + slot);
            if (kept[source]) {
                throw new IllegalArgumentException("slot " + source + " of '" + name + "' is named as the source of two "
                        + "slots; each expert's pages can back one slot (copy it for a second replica)");
            }
            kept[source] = true;
        }
        for (int slot = 0; slot < slotCount; slot++) {
            if (incoming[slot]) {
                throw new SlotStateException("slot " + slot + " of '" + name + "' is receiving an expert; re-lay the "
                        + "layer after that finishes");
            }
            if (experts[slot] != EMPTY && !kept[slot] && allocations[slot].isPinned()) {
                throw new SlotStateException("slot " + slot + " of '" + name + "' (expert " + experts[slot] + ") would "
                        + "be released but is being copied; re-lay the layer after the copy finishes");
            }
        }
        int[] oldExperts = experts.clone();
        PoolAllocation[] oldAllocations = allocations.clone();
        List<Integer> changed = new ArrayList<>();
        int remapped = 0;
        try {
            for (int slot = 0; slot < slotCount; slot++) {
                int source = sourceSlotForSlot[slot];
                PoolAllocation wanted = source == EMPTY ? null : oldAllocations[source];
                if (wanted == null || wanted == oldAllocations[slot]) {
                    continue;
                }
                if (oldAllocations[slot] != null) {
                    region.replace(slotOffset(slot), wanted);
                } else {
                    region.map(slotOffset(slot), wanted);
                    pool.recordRemap();
                }
                changed.add(slot);
                remapped++;
            }
            for (int slot = 0; slot < slotCount; slot++) {
                if (sourceSlotForSlot[slot] == EMPTY && oldAllocations[slot] != null) {
                    changed.add(slot);
                    region.unmap(slotOffset(slot), slotBytes);
                }
            }
        } catch (RuntimeException e) {
            restoreMappings(changed, oldAllocations, e);
            throw e;
        }
        List<PoolAllocation> released = new ArrayList<>();
        for (int slot = 0; slot < slotCount; slot++) {
            int source = sourceSlotForSlot[slot];
            experts[slot] = source == EMPTY ? EMPTY : oldExperts[source];
            allocations[slot] = source == EMPTY ? null : oldAllocations[source];
            if (oldAllocations[slot] != null && !kept[slot]) {
                released.add(oldAllocations[slot]);
            }
        }
        return new Relayout(oldExperts, oldAllocations, changed, released, remapped);
    }

    /** A re-layout whose released pages are still held, so it can be undone. */
    final class Relayout {
        private final int[] oldExperts;
        private final PoolAllocation[] oldAllocations;
        private final List<Integer> changedSlots;
        private final List<PoolAllocation> released;
        private final int remapped;
        private boolean done;

        private Relayout(int[] oldExperts, PoolAllocation[] oldAllocations, List<Integer> changedSlots,
                List<PoolAllocation> released, int remapped) {
            this.oldExperts = oldExperts;
            this.oldAllocations = oldAllocations;
            this.changedSlots = changedSlots;
            this.released = released;
            this.remapped = remapped;
        }

        /** Slots that now show a different expert's pages (zero-copy moves). */
        int remapped() {
            return remapped;
        }

        /** Frees the pages of experts that are no longer in any slot. */
        void finish() {
            synchronized (ExpertSlots.this) {
                requireNotDone();
                for (PoolAllocation allocation : released) {
                    pool.free(allocation);
                }
            }
        }

        /** Puts every slot back as it was before {@link #applyLayout}. */
        void revert() {
            synchronized (ExpertSlots.this) {
                requireNotDone();
                restoreMappings(changedSlots, oldAllocations, null);
                System.arraycopy(oldExperts, 0, experts, 0, slotCount);
                System.arraycopy(oldAllocations, 0, allocations, 0, slotCount);
            }
        }

        private void requireNotDone() {
            if (done) {
                throw new IllegalStateException("this re-layout of '" + name + "' was already finished or reverted");
            }
            done = true;
        }
    }

    // ---- internals ----

    private void restoreMappings(List<Integer> slots, PoolAllocation[] wanted, RuntimeException cause) {
        for (int slot : slots) {
            try {
                boolean mapped = region.isMapped(slotOffset(slot), slotBytes);
                if (wanted[slot] == null) {
                    if (mapped) {
                        region.unmap(slotOffset(slot), slotBytes);
                    }
                } else if (mapped) {
                    region.replace(slotOffset(slot), wanted[slot]);
                } else {
                    region.map(slotOffset(slot), wanted[slot]);
                }
            } catch (RuntimeException again) {
                if (cause == null) {
                    throw again;
                }
                cause.addSuppressed(again);
            }
        }
    }

    private synchronized void beginIncoming(int slot, String action) {
        requireOpen();
        requireEmpty(slot, action);
        incoming[slot] = true;
        incomingCount++;
    }

    private synchronized void finishIncoming(int slot, int expert, PoolAllocation allocation) {
        experts[slot] = expert;
        allocations[slot] = allocation;
        incoming[slot] = false;
        incomingCount--;
        notifyAll();
    }

    private void undoIncoming(int slot, PoolAllocation allocation, boolean mapped, Throwable cause) {
        try {
            if (mapped) {
                region.unmap(slotOffset(slot), slotBytes);
            }
            if (allocation != null) {
                allocation.pool().free(allocation);
            }
        } catch (RuntimeException again) {
            cause.addSuppressed(again);
        } finally {
            synchronized (this) {
                incoming[slot] = false;
                incomingCount--;
                notifyAll();
            }
        }
    }

    private void requireSlot(int slot) {
        if (slot < 0 || slot >= slotCount) {
            throw new IndexOutOfBoundsException("slot " + slot + " of '" + name + "' does not exist; slots are 0.."
                    + (slotCount - 1));
        }
    }

    private void requireExpertId(int expert) {
        if (expert < 0) {
            throw new IllegalArgumentException("expert ids are non-negative, got " + expert + " for '" + name + "'");
        }
    }

    private void requireOccupied(int slot, String action) {
        requireSlot(slot);
        if (incoming[slot]) {
            throw new SlotStateException("slot " + slot + " of '" + name + "' is still receiving its expert; cannot "
                    + action + " yet");
        }
        if (experts[slot] == EMPTY) {
            throw new SlotStateException("slot " + slot + " of '" + name + "' is empty; cannot " + action);
        }
    }

    private void requireEmpty(int slot, String action) {
        requireSlot(slot);
        if (incoming[slot]) {
            throw new SlotStateException("slot " + slot + " of '" + name + "' is already receiving an expert; cannot "
                    + action);
        }
        if (experts[slot] != EMPTY) {
            throw new SlotStateException("slot " + slot + " of '" + name + "' holds expert " + experts[slot]
                    + "; cannot " + action + " (release or move it first)");
        }
    }

    private void requireOpen() {
        if (closing) {
            throw new ReleasedResourceException(this + " is closed");
        }
    }
}
