package dev.moesaic.engine.forward;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * KV storage in one zeroed off-heap allocation of a fixed number of blocks. Used by the command line
 * and tests; the server takes its blocks from a device pool through the memory manager instead.
 */
public final class ArenaKvStorage implements KvStorage, AutoCloseable {
    private final KvLayout layout;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;

    public ArenaKvStorage(KvLayout layout, int blocks) {
        this.layout = layout;
        this.memory = arena.allocate(layout.blockBytes() * blocks, 64);
    }

    /** Storage for one sequence of up to {@code tokens} positions; its block table is {@link #identityTable}. */
    public static ArenaKvStorage forTokens(KvLayout layout, int tokens) {
        return new ArenaKvStorage(layout, layout.blocksFor(tokens));
    }

    /** Blocks 0..n-1 in order: the table of a single sequence that owns the whole storage. */
    public int[] identityTable() {
        int n = (int) (memory.byteSize() / layout.blockBytes());
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    @Override
    public KvLayout layout() {
        return layout;
    }

    @Override
    public MemorySegment memory() {
        return memory;
    }

    @Override
    public void close() {
        arena.close();
    }
}
