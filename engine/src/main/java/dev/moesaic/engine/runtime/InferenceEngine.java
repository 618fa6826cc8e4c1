package dev.moesaic.engine.runtime;

import dev.moesaic.engine.device.DeviceFailedException;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.sampler.Sampler;
import dev.moesaic.engine.tokenizer.Tokenizer;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The continuous-batching engine: requests come in from any thread ({@link #submit}, {@link #cancel}),
 * one loop thread calls {@link #step()} again and again, and each step reads
 * <pre>
 *   schedule  (which tokens of which sequences run now: {@link Scheduler})
 *   execute   (one forward pass over all of them: {@link BatchExecutor})
 *   update    (sample, detokenize, stop checks, stream events to listeners, free finished sequences)
 * </pre>
 * Commands from other threads (new requests, cancellations, {@link #runBetweenIterations} tasks) are
 * applied at the start of a step, so everything that changes the engine's state happens on the loop
 * thread between two forward passes. A failure in one sequence ends that sequence with
 * {@link FinishReason#ERROR}; the engine and the other sequences go on.
 */
public final class InferenceEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(InferenceEngine.class.getName());

    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final KvCacheManager kv;
    private final EngineConfig config;
    private final EngineObserver observer;
    private final Scheduler scheduler;
    private final BatchExecutor executor;
    private final int contextLength;

    // shared with other threads
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final Map<String, RequestState> live = new ConcurrentHashMap<>();
    private final AtomicInteger waitingRequests = new AtomicInteger();
    private final AtomicInteger inboxSequences = new AtomicInteger(); // submitted, not yet in the scheduler's queue
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generationTokens = new AtomicLong();
    private final AtomicLong iterations = new AtomicLong();
    private final AtomicLong preemptions = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workArrived = lock.newCondition();
    private volatile String notAdmittingReason;
    private volatile int runningCount;
    private volatile int waitingCount;
    private volatile Thread loopThread;
    private volatile boolean closed;

    // loop thread only
    private long nextOrder;
    private boolean betweenIterations;
    private float[] logprobScratch = new float[0];

    public InferenceEngine(Transformer transformer, Tokenizer tokenizer, KvCacheManager kv, EngineConfig config,
                           EngineObserver observer) {
        this.transformer = Objects.requireNonNull(transformer, "transformer");
        this.tokenizer = Objects.requireNonNull(tokenizer, "the engine needs a tokenizer to turn tokens into text");
        this.kv = Objects.requireNonNull(kv, "kv");
        this.config = Objects.requireNonNull(config, "config");
        this.observer = observer == null ? EngineObserver.NONE : observer;
        this.scheduler = new Scheduler(kv, config.tokenBudget(), config.maxRunning());
        this.executor = new BatchExecutor(transformer);
        this.contextLength = transformer.config().contextLength();
    }

    public EngineConfig config() {
        return config;
    }

    public KvCacheManager kvCache() {
        return kv;
    }

    /** The longest prompt a request may have: one generated token must still fit in the context and the KV cache. */
    public int maxPromptTokens() {
        return Math.min(contextLength, kv.capacityTokens()) - 1;
    }

    public int contextLength() {
        return contextLength;
    }

    // ---------------------------------------------------------------- commands from any thread

    /**
     * Accepts a request; its output arrives at {@code listener} on the loop thread.
     *
     * @throws QueueFullException     when {@link EngineConfig#maxWaiting()} requests are already waiting
     * @throws NotAdmittingException  while draining or after close
     * @throws PromptTooLongException when the prompt does not fit the context or the KV cache
     * @throws IllegalArgumentException for a request id that is already live or prompt ids outside the vocabulary
     */
    public void submit(GenerationRequest request, GenerationListener listener) {
        Objects.requireNonNull(listener, "listener");
        String reason = notAdmittingReason;
        if (reason != null) {
            throw new NotAdmittingException(reason);
        }
        int prompt = request.prompt().length;
        if (prompt >= contextLength) {
            throw new PromptTooLongException(prompt, contextLength, "the model's context");
        }
        if (prompt >= kv.capacityTokens()) {
            throw new PromptTooLongException(prompt, kv.capacityTokens(), "the server's KV cache");
        }
        int vocab = executor.vocab();
        for (int id : request.prompt()) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("prompt token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        if (waitingRequests.incrementAndGet() > config.maxWaiting()) {
            waitingRequests.decrementAndGet();
            throw new QueueFullException(config.maxWaiting());
        }
        RequestState state = new RequestState(request, listener, System.nanoTime());
        if (live.putIfAbsent(request.id(), state) != null) {
            waitingRequests.decrementAndGet();
            throw new IllegalArgumentException("a request with id '" + request.id() + "' is already running; ids must be unique");
        }
        inboxSequences.addAndGet(request.n());
        post(() -> enqueue(state));
    }

    /** Cancels a request (e.g. its client disconnected): its sequences end with ABORT and free their KV blocks in the next step. */
    public void cancel(String requestId) {
        if (live.containsKey(requestId)) {
            post(() -> {
                RequestState state = live.get(requestId);
                if (state != null) {
                    finishRequest(state, FinishReason.ABORT, null);
                }
            });
        }
    }

    /**
     * Runs {@code task} on the loop thread between two iterations (no forward pass is running and
     * none has started). The scaling controller commits placement changes here. The future completes
     * when the task has run (exceptionally if it threw).
     */
    public CompletableFuture<Void> runBetweenIterations(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        post(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * Preempts (by recompute) every running sequence {@code which} selects: their KV blocks are freed
     * now and they recompute later with unchanged output. Only on the loop thread, i.e. inside a
     * {@link #runBetweenIterations} task. Returns how many were preempted.
     */
    public int preempt(Predicate<RunningSequence> which) {
        if (Thread.currentThread() != loopThread || !betweenIterations) {
            throw new IllegalStateException("preempt runs only on the engine loop thread: call it inside runBetweenIterations");
        }
        int n = 0;
        for (Sequence s : scheduler.running()) {
            if (which.test(s)) {
                scheduler.preempt(s);
                n++;
            }
        }
        preemptions.addAndGet(n);
        publishCounts();
        return n;
    }

    /** From now on {@link #submit} refuses with {@link NotAdmittingException} carrying {@code reason}. */
    public void stopAdmitting(String reason) {
        notAdmittingReason = Objects.requireNonNull(reason, "reason");
    }

    public boolean isAdmitting() {
        return notAdmittingReason == null;
    }

    /** Ends every request with ABORT (shutdown after the drain timeout). */
    public void abortAll() {
        post(() -> {
            for (RequestState state : List.copyOf(live.values())) {
                finishRequest(state, FinishReason.ABORT, null);
            }
        });
    }

    /** No request is live and no command is pending. */
    public boolean isIdle() {
        return live.isEmpty() && inbox.isEmpty();
    }

    private final AtomicLong busyNanos = new AtomicLong();

    /** Wall time spent running forward passes since start (device utilisation = its growth rate). */
    public long busyNanos() {
        return busyNanos.get();
    }

    public EngineStats stats() {
        return new EngineStats(runningCount, waitingCount + inboxSequences.get(), waitingRequests.get(), kv.usage(), kv.usedBlocks(), kv.freeBlocks(),
                kv.totalBlocks(), promptTokens.get(), generationTokens.get(), iterations.get(), preemptions.get());
    }

    /** Waits until a command arrives or {@code timeoutMillis} pass (the loop thread, when it has nothing to do). */
    public void awaitWork(long timeoutMillis) throws InterruptedException {
        lock.lock();
        try {
            if (inbox.isEmpty() && !closed) {
                workArrived.await(timeoutMillis, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    private void post(Runnable command) {
        inbox.add(command);
        lock.lock();
        try {
            workArrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- the loop: schedule -> execute -> update

    /** One iteration; returns false when there was nothing to run (the loop may then wait for work). */
    public boolean step() {
        loopThread = Thread.currentThread();
        runCommands();
        if (scheduler.isEmpty()) {
            publishCounts();
            return false;
        }
        Scheduler.Schedule schedule = scheduler.schedule();
        preemptions.addAndGet(schedule.preempted().size());
        for (Sequence s : schedule.outgrown()) {
            finish(s, FinishReason.LENGTH, null);
        }
        List<Scheduler.Chunk> chunks = schedule.chunks();
        if (!chunks.isEmpty()) {
            float[] logits;
            long t0 = System.nanoTime();
            try {
                logits = execute(chunks);
                recoveryAttempts = 0;
            } catch (DeviceFailedException e) {
                if (awaitDeviceRecovery(e)) {
                    publishCounts();
                    return true; // nothing was updated: the next step schedules the same work on the healed devices
                }
                // recovery gave up: only the sequences that need the failed device end, with an error
                logits = executeOneByOne(chunks, e, false);
            }
            update(chunks, logits);
            busyNanos.addAndGet(System.nanoTime() - t0);
            iterations.incrementAndGet();
        }
        abortRequestsWithFailedListeners();
        publishCounts();
        return true;
    }

    private void runCommands() {
        betweenIterations = true;
        try {
            Runnable command;
            while ((command = inbox.poll()) != null) {
                try {
                    command.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "an engine command failed; the engine goes on", e);
                }
            }
        } finally {
            betweenIterations = false;
        }
    }

    private void enqueue(RequestState state) {
        GenerationRequest r = state.request;
        for (int i = 0; i < r.n(); i++) {
            Sequence s = new Sequence(state, i, new Sampler(r.samplingFor(i)),
                    new OutputText(tokenizer.newStreamingDecoder(), r.stop()), nextOrder++);
            state.sequences.add(s);
            scheduler.addWaiting(s);
        }
        state.unfinished = r.n();
        inboxSequences.addAndGet(-r.n());
    }

    /**
     * Who heals the engine when a device fails mid-iteration (the scale controller: it has the sequences
     * whose KV lived there recomputed and queues a recovery that re-homes the device's experts). It is
     * called on the loop thread between iterations, must not block, and returns the recovery's future.
     * Without one, a device failure fails the sequences that need the device like any other error.
     */
    public void setDeviceFailureHandler(Supplier<CompletableFuture<?>> handler) {
        this.deviceFailureHandler = handler;
    }

    private volatile Supplier<CompletableFuture<?>> deviceFailureHandler;
    private int recoveryAttempts;
    static final int MAX_RECOVERY_ATTEMPTS = 6;
    private static final long RECOVERY_POLL_MILLIS = 20;

    /**
     * Returns true while the iteration should be retried (recovery running or to be tried again after a
     * backoff), false when recovery gave up. The loop never spins: it waits a little each time, and
     * between two waits it runs the commands (the recovery's placement switch is one of them).
     */
    private boolean awaitDeviceRecovery(DeviceFailedException e) {
        Supplier<CompletableFuture<?>> handler = deviceFailureHandler;
        if (handler == null) {
            return false;
        }
        CompletableFuture<?> recovery;
        betweenIterations = true; // no forward pass is running: the handler may preempt and re-place
        try {
            recovery = handler.get();
        } catch (RuntimeException failed) {
            recovery = CompletableFuture.failedFuture(failed);
        } finally {
            betweenIterations = false;
        }
        try {
            recovery.get(RECOVERY_POLL_MILLIS, TimeUnit.MILLISECONDS);
            return true; // healed (or healing finished without work): retry now
        } catch (TimeoutException stillRunning) {
            return true;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return true;
        } catch (ExecutionException | RuntimeException failed) {
            recoveryAttempts++;
            Throwable cause = failed instanceof ExecutionException ee && ee.getCause() != null ? ee.getCause() : failed;
            if (recoveryAttempts >= MAX_RECOVERY_ATTEMPTS) {
                LOG.log(Level.ERROR, e.getMessage() + ": recovery failed " + recoveryAttempts + " times (" + cause
                        + "); the sequences that need the device end with an error");
                recoveryAttempts = 0;
                return false;
            }
            long backoff = Math.min(1000, 25L << recoveryAttempts);
            LOG.log(Level.WARNING, e.getMessage() + ": recovery failed (" + cause + "); trying again in " + backoff + " ms");
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return true;
        }
    }

    /** Runs the batch; if it fails, runs each sequence alone so only the one that fails is ended. */
    private float[] execute(List<Scheduler.Chunk> chunks) {
        try {
            return executor.run(chunks);
        } catch (DeviceFailedException deviceGone) {
            if (deviceFailureHandler != null) {
                throw deviceGone;
            }
            return executeOneByOne(chunks, deviceGone, false);
        } catch (RuntimeException batchFailure) {
            return executeOneByOne(chunks, batchFailure, deviceFailureHandler != null);
        }
    }

    /**
     * Runs each chunk alone and ends only the sequences whose run fails. With {@code rethrowDeviceFailure}
     * a device failure is passed up (to recover and retry the whole iteration) instead.
     */
    private float[] executeOneByOne(List<Scheduler.Chunk> chunks, RuntimeException batchFailure, boolean rethrowDeviceFailure) {
        {
            if (chunks.size() == 1) {
                fail(chunks.getFirst().sequence(), batchFailure);
                return null;
            }
            LOG.log(Level.WARNING, "a batch of " + chunks.size() + " sequences failed (" + batchFailure
                    + "); running them one by one to find the culprit");
            int vocab = executor.vocab();
            int rows = 0;
            for (Scheduler.Chunk c : chunks) {
                rows += c.wantsLogits() ? 1 : 0;
            }
            float[] logits = new float[rows * vocab];
            int row = 0;
            for (Scheduler.Chunk c : chunks) {
                try {
                    float[] one = executor.run(List.of(c));
                    if (c.wantsLogits()) {
                        System.arraycopy(one, 0, logits, row * vocab, vocab);
                    }
                } catch (DeviceFailedException e) {
                    if (rethrowDeviceFailure) {
                        throw e;
                    }
                    fail(c.sequence(), e);
                } catch (RuntimeException e) {
                    fail(c.sequence(), e);
                }
                row += c.wantsLogits() ? 1 : 0;
            }
            return logits;
        }
    }

    private void update(List<Scheduler.Chunk> chunks, float[] logits) {
        int vocab = executor.vocab();
        int row = 0;
        for (Scheduler.Chunk c : chunks) {
            Sequence s = c.sequence();
            int myRow = c.wantsLogits() ? row++ : -1;
            if (s.status != Sequence.Status.RUNNING) {
                continue; // failed while executing
            }
            admitted(s.request);
            s.computed += c.length();
            if (myRow < 0) {
                continue;
            }
            try {
                int token = s.sampler.sample(logits, myRow * vocab, vocab);
                TokenLogprob lp = s.request.request.wantsLogprobs() ? logprob(logits, myRow * vocab, vocab, token,
                        s.request.request.topLogprobs()) : null;
                accept(s, token, lp);
            } catch (RuntimeException e) {
                fail(s, e);
            }
        }
    }

    /** A sampled token: counts, timings, end-of-generation, text, stop strings, limits. */
    private void accept(Sequence s, int token, TokenLogprob lp) {
        RequestState r = s.request;
        long now = System.nanoTime();
        s.generated++;
        r.completionTokens++;
        generationTokens.incrementAndGet();
        if (!r.sawFirstToken) {
            r.sawFirstToken = true;
            observer.timeToFirstToken((now - r.arrivalNanos) / 1e9);
        } else if (s.lastTokenNanos != 0) {
            observer.interTokenLatency((now - s.lastTokenNanos) / 1e9);
        }
        s.lastTokenNanos = now;
        if (!r.request.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
            finish(s, FinishReason.STOP, null);
            return;
        }
        s.append(token);
        String text = s.text.accept(token);
        emit(r, () -> r.listener.onToken(new TokenEvent(s.choice, token, text, lp)));
        if (s.text.stopped()) {
            finish(s, FinishReason.STOP, null);
        } else if (s.generated >= r.request.maxTokens() || s.tokens() >= contextLength) {
            finish(s, FinishReason.LENGTH, null);
        }
    }

    private TokenLogprob logprob(float[] logits, int offset, int vocab, int token, int top) {
        if (logprobScratch.length < vocab) {
            logprobScratch = new float[vocab];
        }
        float[] lp = logprobScratch;
        Sampler.logSoftmax(logits, offset, vocab, lp);
        int[] ids = new int[top];
        float[] values = new float[top];
        // selection of the `top` largest, largest first, lower id first on ties (top <= 20, so O(vocab * top) is fine)
        for (int k = 0; k < top; k++) {
            int best = -1;
            for (int i = 0; i < vocab; i++) {
                if ((best < 0 || lp[i] > lp[best]) && !taken(ids, k, i)) {
                    best = i;
                }
            }
            ids[k] = best;
            values[k] = lp[best];
        }
        return new TokenLogprob(token, lp[token], ids, values);
    }

    private static boolean taken(int[] ids, int count, int id) {
        for (int i = 0; i < count; i++) {
            if (ids[i] == id) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- finishing

    private void fail(Sequence s, RuntimeException e) {
        LOG.log(Level.WARNING, s + " failed: " + e, e);
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        finish(s, FinishReason.ERROR, message);
    }

    private void finishRequest(RequestState state, FinishReason reason, String error) {
        for (Sequence s : state.sequences) {
            finish(s, reason, error);
        }
        if (state.sequences.isEmpty()) { // ended before its sequences were created: nothing else to end
            live.remove(state.request.id(), state);
            admitted(state);
        }
    }

    private void finish(Sequence s, FinishReason reason, String error) {
        if (s.status == Sequence.Status.FINISHED) {
            return;
        }
        scheduler.remove(s);
        s.status = Sequence.Status.FINISHED;
        RequestState r = s.request;
        String tail = "";
        if (reason == FinishReason.STOP || reason == FinishReason.LENGTH) {
            try {
                tail = s.text.finish();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "detokenizing the end of " + s + " failed", e);
            }
        }
        String text = tail;
        emit(r, () -> r.listener.onChoiceEnd(new ChoiceEnd(s.choice, reason, text, error, s.generated)));
        observer.choiceFinished(reason);
        if (--r.unfinished == 0) {
            live.remove(r.request.id(), r);
            admitted(r); // a request cancelled while waiting leaves the queue too
            Usage usage = new Usage(r.request.prompt().length, r.completionTokens);
            emit(r, () -> r.listener.onComplete(usage));
            observer.requestFinished((System.nanoTime() - r.arrivalNanos) / 1e9, usage);
        }
    }

    /** The request leaves the bounded waiting queue (first admission, or it ended before running). */
    private void admitted(RequestState r) {
        if (!r.admitted) {
            r.admitted = true;
            waitingRequests.decrementAndGet();
            promptTokens.addAndGet(r.request.prompt().length);
        }
    }

    private void emit(RequestState r, Runnable call) {
        if (r.listenerFailed) {
            return;
        }
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the listener of request " + r.request.id() + " failed; aborting the request", e);
            r.listenerFailed = true;
        }
    }

    private void abortRequestsWithFailedListeners() {
        for (RequestState r : live.values()) {
            if (r.listenerFailed) {
                finishRequest(r, FinishReason.ABORT, null);
            }
        }
    }

    private void publishCounts() {
        runningCount = scheduler.runningCount();
        waitingCount = scheduler.waitingCount();
    }

    /**
     * Ends every request (ABORT) and frees the KV cache. Call after the loop thread has stopped; the
     * KV cache manager is the caller's to close.
     */
    @Override
    public void close() {
        closed = true;
        stopAdmitting("the engine is closed");
        Runnable command;
        while ((command = inbox.poll()) != null) {
            try {
                command.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a command pending at close failed", e);
            }
        }
        for (RequestState state : new ArrayList<>(live.values())) {
            finishRequest(state, FinishReason.ABORT, null);
        }
        lock.lock();
        try {
            workArrived.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
