package dev.moesaic.engine.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Decides, once per iteration, which tokens of which sequences run next (iteration-level continuous
 * batching). Policy, in this order, within a budget of {@code tokenBudget} tokens per iteration:
 * <ol>
 *   <li>every running sequence that decodes (one token each), oldest request first, so streams keep
 *       flowing whatever else arrives;</li>
 *   <li>running sequences in the middle of their prompt get the next chunk of it (chunked prefill:
 *       a long prompt takes several iterations instead of freezing everyone for one long one);</li>
 *   <li>waiting sequences are admitted in arrival order while the budget, {@code maxRunning} and free
 *       KV blocks for their first chunk allow (no admission in an iteration that had to preempt).</li>
 * </ol>
 * A sequence that needs a KV block when none is free takes it from the youngest running sequence
 * not yet in this iteration's batch: that one is preempted by recompute (its blocks are freed, it
 * goes back to the front of the waiting queue and later recomputes its prompt and output so far).
 * Nothing fails for lack of blocks, except a sequence that alone outgrows the whole cache.
 */
final class Scheduler {
    private static final Comparator<Sequence> BY_ORDER = Comparator.comparingLong(s -> s.order);

    /** A slice of one sequence's tokens to run: {@code length} tokens from position {@code start}. */
    record Chunk(Sequence sequence, int start, int length, boolean wantsLogits) {
    }

    /**
     * One iteration's decisions.
     *
     * @param preempted sequences moved back to waiting this iteration (their KV blocks are free)
     * @param outgrown  sequences that cannot fit in the cache even alone: the engine ends them (length)
     */
    record Schedule(List<Chunk> chunks, List<Sequence> preempted, List<Sequence> outgrown) {
    }

    private final KvCacheManager kv;
    private final int tokenBudget;
    private final int maxRunning;
    private final List<Sequence> running = new ArrayList<>(); // sorted by order, oldest first
    private final PriorityQueue<Sequence> waiting = new PriorityQueue<>(BY_ORDER);
    private long iteration;

    Scheduler(KvCacheManager kv, int tokenBudget, int maxRunning) {
        if (maxRunning < 1 || tokenBudget < maxRunning) {
            throw new IllegalArgumentException("need 1 <= maxRunning (" + maxRunning + ") <= tokenBudget (" + tokenBudget
                    + "), so every running sequence can decode in every iteration");
        }
        this.kv = kv;
        this.tokenBudget = tokenBudget;
        this.maxRunning = maxRunning;
    }

    void addWaiting(Sequence s) {
        s.status = Sequence.Status.WAITING;
        waiting.add(s);
    }

    /** Takes a sequence out of the queues and frees its KV blocks (it finished or was cancelled). */
    void remove(Sequence s) {
        if (s.status == Sequence.Status.RUNNING) {
            running.remove(s);
        } else if (s.status == Sequence.Status.WAITING) {
            waiting.remove(s);
        }
        releaseKv(s);
    }

    /** Preempts a running sequence by recompute: frees its blocks and puts it back in the waiting queue. */
    void preempt(Sequence s) {
        if (s.status != Sequence.Status.RUNNING) {
            throw new IllegalStateException("only running sequences can be preempted: " + s);
        }
        running.remove(s);
        releaseKv(s);
        s.computed = 0;
        addWaiting(s);
    }

    List<Sequence> running() {
        return List.copyOf(running);
    }

    int runningCount() {
        return running.size();
    }

    int waitingCount() {
        return waiting.size();
    }

    boolean isEmpty() {
        return running.isEmpty() && waiting.isEmpty();
    }

    Schedule schedule() {
        iteration++;
        int budget = tokenBudget;
        List<Chunk> chunks = new ArrayList<>();
        List<Sequence> preempted = new ArrayList<>();
        List<Sequence> outgrown = new ArrayList<>();
        // Pass 0: decodes. Pass 1: prompt chunks of sequences already running.
        for (int pass = 0; pass < 2; pass++) {
            for (Sequence s : List.copyOf(running)) {
                if (budget == 0) {
                    break;
                }
                boolean decode = s.remaining() == 1;
                if (s.status != Sequence.Status.RUNNING || decode != (pass == 0) || isScheduled(s)) {
                    continue;
                }
                int n = Math.min(s.remaining(), budget);
                if (makeRoom(s, n, preempted, outgrown)) {
                    chunks.add(chunkOf(s, n));
                    budget -= n;
                }
            }
        }
        // Pass 2: admission.
        while (preempted.isEmpty() && budget > 0 && running.size() < maxRunning && !waiting.isEmpty()) {
            Sequence s = waiting.peek();
            if (s.kv == null) {
                s.kv = kv.newSequence();
            }
            int n = Math.min(s.remaining(), budget);
            if (!kv.ensureCapacity(s.kv, s.computed + n)) {
                if (running.isEmpty()) { // the whole cache is free and still too small
                    waiting.poll();
                    releaseKv(s);
                    outgrown.add(s);
                    continue;
                }
                releaseKv(s);
                break; // first come, first served: nobody overtakes the head of the queue
            }
            waiting.poll();
            s.status = Sequence.Status.RUNNING;
            insertRunning(s);
            chunks.add(chunkOf(s, n));
            budget -= n;
        }
        return new Schedule(chunks, preempted, outgrown);
    }

    /** Finds KV room for {@code n} more tokens of running {@code s}, preempting younger sequences; false if {@code s} lost. */
    private boolean makeRoom(Sequence s, int n, List<Sequence> preempted, List<Sequence> outgrown) {
        while (!kv.ensureCapacity(s.kv, s.computed + n)) {
            Sequence victim = youngestUnscheduled();
            if (victim == s && running.size() == 1) {
                running.remove(s);
                releaseKv(s);
                outgrown.add(s);
                return false;
            }
            preempt(victim);
            preempted.add(victim);
            if (victim == s) {
                return false;
            }
        }
        return true;
    }

    private Sequence youngestUnscheduled() {
        for (int i = running.size() - 1; i >= 0; i--) {
            Sequence s = running.get(i);
            if (!isScheduled(s)) {
                return s;
            }
        }
        throw new IllegalStateException("no running sequence left to preempt"); // the caller itself is always one
    }

    private Chunk chunkOf(Sequence s, int n) {
        s.scheduledIn = iteration;
        return new Chunk(s, s.computed, n, s.computed + n == s.tokens());
    }

    private boolean isScheduled(Sequence s) {
        return s.scheduledIn == iteration;
    }

    private void insertRunning(Sequence s) {
        int at = 0;
        while (at < running.size() && running.get(at).order < s.order) {
            at++;
        }
        running.add(at, s);
    }

    private void releaseKv(Sequence s) {
        if (s.kv != null) {
            kv.free(s.kv);
            s.kv = null;
        }
    }
}
