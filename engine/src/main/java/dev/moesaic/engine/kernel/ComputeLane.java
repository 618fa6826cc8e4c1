package dev.moesaic.engine.kernel;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads of one device. A lane runs one parallel job at a time, split over an index range
 * (output rows of a matmul, heads of attention), never over the reduction dimension: which thread
 * computes an element never changes its value.
 *
 * <p>The thread that calls {@link #forEachRange} works too (as worker 0); the other workers spin
 * for a short while after each job and then park. Spinning matters for decode, where a 1024x1024
 * matmul takes about 10 microseconds and a pool submit plus a thread wake-up would cost as much as
 * the work itself; parking afterwards keeps an idle lane from burning its cores.
 *
 * <p>A lane serves one driver thread at a time; a second thread entering while a job runs gets an
 * {@link IllegalStateException}. Close it to stop its threads.
 */
public final class ComputeLane implements AutoCloseable {
    /** A slice of a job: indexes {@code [start, end)}, run by worker {@code worker} (0 = the calling thread). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int worker, int start, int end);
    }

    private static final long DEFAULT_SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final String name;
    private final int threads;
    private final long spinNanos;
    private final Worker[] workers;
    private final AtomicInteger busy = new AtomicInteger();

    // The current job; written by the driver before the generation bump that publishes it.
    private RangeBody body;
    private int count;
    private int chunk;
    private final AtomicInteger nextChunk = new AtomicInteger();
    /**
     * Workers inside the current job, or {@link #CLOSED} once the driver has finished it. A worker
     * joins only while the job is open, so a worker that wakes late (descheduled on a busy machine)
     * never makes the driver wait: the driver runs all remaining chunks itself and closes the job.
     */
    private final AtomicInteger joined = new AtomicInteger(CLOSED);
    private static final int CLOSED = -1;
    /** Spins of the driver waiting for joined workers before it starts yielding its core to them. */
    private static final int DRIVER_SPINS = 2000;
    private volatile Throwable failure;
    private volatile long generation;
    private volatile boolean closed;

    private ComputeLane(String name, int threads, long spinNanos) {
        if (threads < 1) {
            throw new IllegalArgumentException("compute lane " + name + ": threads must be at least 1, got " + threads);
        }
        this.name = name;
        this.threads = threads;
        this.spinNanos = spinNanos;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** A lane with {@code threads} threads in total (the caller plus {@code threads - 1} workers). */
    public static ComputeLane create(String name, int threads) {
        return new ComputeLane(name, threads, DEFAULT_SPIN_NANOS);
    }

    /** A lane with {@code threads} threads whose idle workers spin {@code spinNanos} before parking. */
    public static ComputeLane create(String name, int threads, long spinNanos) {
        return new ComputeLane(name, threads, Math.max(0, spinNanos));
    }

    /** One lane over every core of the machine (the default device). */
    public static ComputeLane allCores(String name) {
        return create(name, Runtime.getRuntime().availableProcessors());
    }

    public String name() {
        return name;
    }

    /** Threads that run a job, the caller included. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, count)} in chunks of {@code chunk} indexes (the last may be
     * shorter), handed out dynamically to the lane's threads, and returns when all are done. An
     * exception thrown by any chunk is rethrown here after every thread has finished.
     */
    public void forEachRange(int count, int chunk, RangeBody body) {
        if (count < 0 || chunk < 1) {
            throw new IllegalArgumentException("compute lane " + name + ": bad range count=" + count + " chunk=" + chunk);
        }
        if (closed) {
            throw new IllegalStateException("compute lane " + name + " is closed");
        }
        if (count == 0) {
            return;
        }
        if (!busy.compareAndSet(0, 1)) {
            throw new IllegalStateException("compute lane " + name
                    + " is already running a job: a lane serves one driver thread at a time (use one lane per device thread)");
        }
        try {
            if (workers.length == 0 || count <= chunk) {
                for (int start = 0; start < count; start += chunk) {
                    body.run(0, start, Math.min(count, start + chunk));
                }
                return;
            }
            this.body = body;
            this.count = count;
            this.chunk = chunk;
            nextChunk.set(0);
            failure = null;
            joined.set(0);
            generation = generation + 1; // volatile write publishes the job
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w.thread);
                }
            }
            try {
                runChunks(0);
            } catch (Throwable t) {
                recordFailure(t);
            }
            int spins = 0;
            while (!(joined.get() == 0 && joined.compareAndSet(0, CLOSED))) {
                if (++spins < DRIVER_SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            this.body = null;
            Throwable t = failure;
            if (t != null) {
                failure = null;
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException("compute lane " + name + ": job failed", t);
            }
        } finally {
            busy.set(0);
        }
    }

    private void runChunks(int worker) {
        RangeBody b = body;
        int n = count;
        int c = chunk;
        while (true) {
            int start = nextChunk.getAndAdd(c);
            if (start >= n) {
                return;
            }
            b.run(worker, start, Math.min(n, start + c));
        }
    }

    private void recordFailure(Throwable t) {
        if (failure == null) {
            failure = t;
        }
    }

    /** Stops the worker threads; a job running now finishes first. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
        for (Worker w : workers) {
            try {
                w.thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "ComputeLane[" + name + ", " + threads + " threads]";
    }

    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, name + "-worker-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long g = awaitJob(seen);
                if (g < 0) {
                    return;
                }
                seen = g;
                while (true) {
                    int j = joined.get();
                    if (j < 0) {
                        break; // the driver already finished this job alone
                    }
                    if (joined.compareAndSet(j, j + 1)) {
                        try {
                            runChunks(index);
                        } catch (Throwable t) {
                            recordFailure(t);
                        }
                        joined.decrementAndGet();
                        break;
                    }
                }
            }
        }

        /** The next job's generation, or -1 once the lane closes. */
        private long awaitJob(long seen) {
            long spinUntil = System.nanoTime() + spinNanos;
            while (true) {
                if (closed) {
                    return -1;
                }
                long g = generation;
                if (g != seen) {
                    return g;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                // Dekker-style hand-off: the driver bumps generation then reads parked, we write parked
                // then re-read generation, so one of us always sees the other.
                parked = true;
                if (generation == seen && !closed) {
                    LockSupport.park(this);
                }
                parked = false;
                spinUntil = System.nanoTime() + spinNanos;
            }
        }
    }
}
