package dev.moesaic.engine.runtime;

import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * The thread that drives an {@link InferenceEngine}: step after step while there is work, waiting
 * for work otherwise. It survives anything a step throws (logged); {@link #drain} stops admission
 * and lets running requests finish, {@link #close} ends whatever is left and stops the thread.
 */
public final class EngineLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EngineLoop.class.getName());
    private static final long IDLE_WAIT_MILLIS = 50;

    private final InferenceEngine engine;
    private final Thread thread;
    private volatile boolean stopping;

    public EngineLoop(InferenceEngine engine, String threadName) {
        this.engine = engine;
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
    }

    /** Creates and starts a loop. */
    public static EngineLoop start(InferenceEngine engine) {
        EngineLoop loop = new EngineLoop(engine, "moesaic-engine");
        loop.thread.start();
        return loop;
    }

    public InferenceEngine engine() {
        return engine;
    }

    public Thread thread() {
        return thread;
    }

    private void run() {
        while (!stopping) {
            try {
                if (!engine.step()) {
                    engine.awaitWork(IDLE_WAIT_MILLIS);
                }
            } catch (InterruptedException e) {
                if (stopping) {
                    break;
                }
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                // A bug or exhaustion in one step must not end serving: log it and go on with the next step.
                LOG.log(Level.ERROR, "an engine step failed; the loop goes on", e);
            }
        }
    }

    /**
     * Graceful shutdown: refuses new requests with {@code reason}, waits up to {@code timeout} for the
     * accepted ones to finish, then aborts the rest. Returns true if everything finished in time.
     */
    public boolean drain(String reason, Duration timeout) throws InterruptedException {
        engine.stopAdmitting(reason);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!engine.isIdle() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        boolean drained = engine.isIdle();
        if (!drained) {
            engine.abortAll();
            long abortDeadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!engine.isIdle() && System.nanoTime() < abortDeadline && thread.isAlive()) {
                Thread.sleep(10);
            }
        }
        return drained;
    }

    /** Stops the thread (after the step in progress) and ends every remaining request with ABORT. */
    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        engine.close();
    }
}
