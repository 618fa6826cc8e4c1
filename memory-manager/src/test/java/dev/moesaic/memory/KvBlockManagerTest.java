package dev.moesaic.memory;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class KvBlockManagerTest {
    private static final long PAGE = 4096;
    // 16 tokens x 2 layers x (K + V) x 2 kv heads x 8 dims x 4 bytes: not a page multiple on purpose
    private static final long BLOCK = 16L * 2 * 2 * 2 * 8 * 4;

    @Test
    void blocksLiveAtTheirIndexTimesTheBlockSizeInOneSegment() {
        try (DevicePool pool = DevicePool.open("kv", 64 * PAGE, PAGE);
                KvBlockManager kv = KvBlockManager.create(pool, "kv", BLOCK, 16, 20)) {
            assertThat(kv.segment().byteSize()).isEqualTo(20 * BLOCK);
            assertThat(pool.usedBytes()).isEqualTo(pool.roundUpToPages(20 * BLOCK));
            assertThat(pool.bytesByOwner()).containsOnlyKeys("kv");
            int block = kv.allocateBlock();
            int other = kv.allocateBlock();
            assertThat(block).isZero();
            assertThat(other).isEqualTo(1);
            kv.blockSegment(other).set(JAVA_FLOAT, 8, 2.5f);
            assertThat(kv.segment().get(JAVA_FLOAT, other * BLOCK + 8)).isEqualTo(2.5f);
            assertThat(Patterns.isZero(kv.blockSegment(block))).isTrue(); // fresh memory is zero
        }
    }

    @Test
    void referenceCountsFreeABlockWhenTheLastHolderLetsGo() {
        try (DevicePool pool = DevicePool.open("kv", 64 * PAGE, PAGE);
                KvBlockManager kv = KvBlockManager.create(pool, "kv", BLOCK, 16, 4)) {
            int block = kv.allocateBlock();
            kv.retainBlock(block);
            assertThat(kv.refCount(block)).isEqualTo(2);
            assertThat(kv.report().sharedBlocks()).isEqualTo(1);
            kv.releaseBlock(block);
            assertThat(kv.freeBlocks()).isEqualTo(3);
            kv.releaseBlock(block);
            assertThat(kv.freeBlocks()).isEqualTo(4);
            assertThat(kv.report().sharedBlocks()).isZero();
            assertThatThrownBy(() -> kv.releaseBlock(block))
                    .isInstanceOf(ReleasedResourceException.class)
                    .hasMessageContaining("cannot release block 0 of KV cache 'kv': it is free");
            assertThatThrownBy(() -> kv.retainBlock(2)).isInstanceOf(ReleasedResourceException.class);
            assertThatThrownBy(() -> kv.refCount(4)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("blocks are 0..3");
        }
    }

    @Test
    void appendAllocatesBlocksAsTokensArrive() {
        try (DevicePool pool = DevicePool.open("kv", 64 * PAGE, PAGE);
                KvBlockManager kv = KvBlockManager.create(pool, "kv", BLOCK, 16, 8)) {
            BlockTable sequence = kv.newSequence();
            assertThat(sequence.blocksNeededToAppend(17)).isEqualTo(2);
            sequence.append(17);
            assertThat(sequence.blocks()).containsExactly(0, 1);
            sequence.append(15); // fills block 1 exactly
            assertThat(sequence.blockCount()).isEqualTo(2);
            sequence.append(1);
            assertThat(sequence.blocks()).containsExactly(0, 1, 2);
            assertThat(sequence.tokens()).isEqualTo(33);
            KvBlockReport report = kv.report();
            assertThat(report).isEqualTo(new KvBlockReport(8, 5, 3, 0, BLOCK, 16));
            assertThat(report.freeTokens()).isEqualTo(80);
            assertThat(report.usage()).isEqualTo(3 / 8.0);
            sequence.free();
            assertThat(kv.freeBlocks()).isEqualTo(8);
        }
    }

    @Test
    void runningOutOfBlocksChangesNothing() {
        try (DevicePool pool = DevicePool.open("kv", 64 * PAGE, PAGE);
                KvBlockManager kv = KvBlockManager.create(pool, "kv", BLOCK, 16, 3)) {
            BlockTable a = kv.newSequence();
            a.append(20);
            BlockTable b = kv.newSequence();
            assertThatThrownBy(() -> b.append(40))
                    .isInstanceOf(OutOfKvBlocksException.class)
                    .hasMessage("KV cache 'kv' needs 3 free blocks but has 1 of 3; finish or preempt a sequence to free "
                            + "blocks, or admit fewer sequences");
            assertThat(b.tokens()).isZero();
            assertThat(kv.freeBlocks()).isEqualTo(1);
            assertThat(kv.canAllocate(1)).isTrue();
            assertThat(kv.canAllocate(2)).isFalse();
            b.append(16);
            assertThatThrownBy(kv::allocateBlock).isInstanceOf(OutOfKvBlocksException.class);
        }
    }

    @Test
    void forkSharesBlocksAndCopiesTheLastOneOnlyWhenWrittenTo() {
        try (DevicePool pool = DevicePool.open("kv", 64 * PAGE, PAGE);
                KvBlockManager kv = KvBlockManager.create(pool, "kv", BLOCK, 16, 8)) {
            BlockTable parent = kv.newSequence();
            parent.append(20); // blocks 0 (full) and 1 (4 of 16 tokens)
            int[] parentBlocks = parent.blocks();
            kv.blockSegment(parentBlocks[1]).set(JAVA_LONG, 0, 111L);

            BlockTable child = parent.fork();
            assertThat(child.blocks()).containsExactly(parentBlocks);
            assertThat(kv.refCount(parentBlocks[0])).isEqualTo(2);
            assertThat(kv.usedBlocks()).isEqualTo(2);
            assertThat(child.blocksNeededToAppend(1)).isEqualTo(1); // the copy of the shared last block

            child.append(1);

            int[] childBlocks = child.blocks();
            assertThat(childBlocks[0]).isEqualTo(parentBlocks[0]); // the full prefix block stays shared
            assertThat(childBlocks[1]).isNotEqualTo(parentBlocks[1]);
            assertThat(kv.blockSegment(childBlocks[1]).get(JAVA_LONG, 0)).isEqualTo(111L);
            kv.blockSegment(childBlocks[1]).set(JAVA_LONG, 0, 222L);
            assertThat(kv.blockSegment(parentBlocks[1]).get(JAVA_LONG, 0)).isEqualTo(111L);
            assertThat(kv.refCount(parentBlocks[1])).isEqualTo(1);
            // the parent now owns its last block alone and appends in place
            parent.append(1);
            assertThat(parent.blocks()).containsExactly(parentBlocks);

            child.free();
            parent.free();
            assertThat(kv.freeBlocks()).isEqualTo(8);
            assertThat(kv.report().sharedBlocks()).isZero();
        }
    }

    @Test
    void aFreedTableAndAClosedCacheRefuseUse() {
        DevicePool pool = DevicePool.open("kv", 64 * PAGE, PAGE);
        KvBlockManager kv = KvBlockManager.create(pool, "kv", BLOCK, 16, 4);
        BlockTable table = kv.newSequence();
        table.append(3);
        table.free();
        assertThatThrownBy(table::free)
                .isInstanceOf(ReleasedResourceException.class)
                .hasMessageContaining("already freed");
        assertThatThrownBy(() -> table.append(1)).isInstanceOf(ReleasedResourceException.class);
        assertThatThrownBy(() -> table.append(-1)).isInstanceOf(IllegalArgumentException.class);

        MemorySegment segment = kv.segment();
        kv.close();
        assertThat(pool.usedBytes()).isZero();
        assertThatThrownBy(() -> segment.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(kv::allocateBlock).isInstanceOf(ReleasedResourceException.class);
        assertThatThrownBy(kv::newSequence).isInstanceOf(ReleasedResourceException.class);
        assertThatThrownBy(() -> KvBlockManager.create(pool, "kv", 0, 16, 4)).hasMessageContaining("positive block size");
        assertThatThrownBy(() -> KvBlockManager.create(pool, "kv", BLOCK, 16, 1_000_000))
                .isInstanceOf(PoolExhaustedException.class);
        assertThat(pool.usedBytes()).isZero();
        pool.close();
    }
}
