package dev.moesaic.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.sampler.Sampler;
import dev.moesaic.engine.sampler.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scheduling policy on its own: budget, decode first, FIFO admission by free blocks, youngest preempted. */
class SchedulerTest {
    private long order;

    private Sequence sequence(int promptTokens) {
        GenerationRequest r = GenerationRequest.greedy("r" + order, new int[promptTokens], 100);
        RequestState state = new RequestState(r, null, 0);
        return new Sequence(state, 0, new Sampler(SamplingParams.GREEDY), null, order++);
    }

    /** Pretends the batch ran: every chunk computed, and a chunk that reached the end produced a token. */
    private static void ran(Scheduler.Schedule s) {
        for (Scheduler.Chunk c : s.chunks()) {
            c.sequence().computed += c.length();
            if (c.wantsLogits()) {
                c.sequence().append(7);
            }
        }
    }

    @Test
    void decodesComeFirstAndPromptsAreChunkedWithinTheBudget() {
        try (KvCacheManager kv = KvCacheManager.onNewDevice("sched", TinyEngine.MODEL.kvLayout(16), 64)) {
            Scheduler s = new Scheduler(kv, 8, 4);
            Sequence a = sequence(3);
            s.addWaiting(a);
            ran(s.schedule()); // a: whole prompt, first token
            Sequence b = sequence(20);
            s.addWaiting(b);
            Scheduler.Schedule step = s.schedule();
            assertThat(step.chunks()).extracting(c -> c.sequence(), c -> c.length())
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(a, 1), org.assertj.core.groups.Tuple.tuple(b, 7));
            assertThat(step.chunks().get(1).wantsLogits()).isFalse();
            ran(step);
            step = s.schedule();
            assertThat(step.chunks()).extracting(Scheduler.Chunk::length).containsExactly(1, 7);
            ran(step);
            step = s.schedule();
            assertThat(step.chunks()).extracting(Scheduler.Chunk::length).containsExactly(1, 6);
            assertThat(step.chunks().get(1).wantsLogits()).isTrue();
        }
    }

    @Test
    void admissionIsFirstComeFirstServedAndNeedsBlocksForTheFirstChunk() {
        try (KvCacheManager kv = KvCacheManager.onNewDevice("sched", TinyEngine.MODEL.kvLayout(16), 3)) {
            Scheduler s = new Scheduler(kv, 64, 4);
            Sequence big = sequence(40); // 3 blocks: the whole cache
            Sequence small = sequence(2);
            s.addWaiting(big);
            s.addWaiting(small);
            Scheduler.Schedule step = s.schedule();
            assertThat(step.chunks()).extracting(Scheduler.Chunk::sequence).containsExactly(big);
            assertThat(s.waitingCount()).isEqualTo(1); // small waits behind: no free block, no overtaking
            assertThat(kv.freeBlocks()).isZero();
        }
    }

    @Test
    void theYoungestRunningSequenceIsPreemptedAndGoesBackToTheFrontOfTheQueue() {
        try (KvCacheManager kv = KvCacheManager.onNewDevice("sched", TinyEngine.MODEL.kvLayout(16), 2)) {
            Scheduler s = new Scheduler(kv, 64, 4);
            Sequence old = sequence(16);
            Sequence young = sequence(16);
            Sequence waiting = sequence(1);
            s.addWaiting(old);
            s.addWaiting(young);
            ran(s.schedule()); // both prompts fill one block each, and each got a token: 17 tokens, 16 computed
            s.addWaiting(waiting);
            Scheduler.Schedule step = s.schedule();
            // old needs a second block for position 16: young (not yet scheduled) gives its block up
            assertThat(step.preempted()).containsExactly(young);
            assertThat(step.chunks()).extracting(Scheduler.Chunk::sequence).containsExactly(old);
            assertThat(young.computed).isZero();
            assertThat(young.kv).isNull();
            assertThat(s.running()).containsExactly(old);
            assertThat(s.waitingCount()).isEqualTo(2);
            s.remove(old);
            step = s.schedule();
            assertThat(step.chunks()).extracting(Scheduler.Chunk::sequence).first().isEqualTo(young); // before `waiting`
            assertThat(step.chunks().getFirst().length()).isEqualTo(17); // recomputes prompt and output
        }
    }

    @Test
    void aSequenceAloneTooBigForTheCacheIsReportedAsOutgrown() {
        try (KvCacheManager kv = KvCacheManager.onNewDevice("sched", TinyEngine.MODEL.kvLayout(16), 1)) {
            Scheduler s = new Scheduler(kv, 64, 4);
            Sequence a = sequence(16);
            s.addWaiting(a);
            ran(s.schedule());
            Scheduler.Schedule step = s.schedule();
            assertThat(step.outgrown()).containsExactly(a);
            assertThat(s.isEmpty()).isTrue();
            assertThat(kv.freeBlocks()).isEqualTo(1);
            assertThat(List.of(step.chunks())).allMatch(List::isEmpty);
        }
    }
}
