package dev.moesaic.engine.elastic;

import dev.moesaic.engine.device.Device;
import dev.moesaic.engine.device.DeviceFailedException;
import dev.moesaic.engine.forward.ArenaKvStorage;
import dev.moesaic.engine.forward.ForwardBatch;
import dev.moesaic.engine.forward.KvStorage;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.sampler.Sampler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A minimal engine loop for controller tests: greedy decoding of several sequences in one batch per
 * iteration, running the controller's commit tasks between iterations and recovering from device
 * failures like the server's loop does (recover, then retry the iteration).
 */
final class GenerationLoop implements ServingControl, AutoCloseable {
    private final LoadedModel model;
    private final Transformer transformer;
    private final ScaleController controller;
    private final int[][] prompts;
    private final int steps;
    private final ConcurrentLinkedQueue<Runnable> between = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final int[][] generated;
    private volatile Throwable failure;
    private volatile int iterations;
    private volatile int recoveries;
    private volatile boolean stop;
    private boolean finished; // guarded by between

    GenerationLoop(LoadedModel model, Transformer transformer, ScaleController controller, int[][] prompts, int steps) {
        this.model = model;
        this.transformer = transformer;
        this.controller = controller;
        this.prompts = prompts;
        this.steps = steps;
        this.generated = new int[prompts.length][steps];
        this.thread = new Thread(this::run, "test-engine-loop");
    }

    void start() {
        thread.start();
    }

    /** Waits for the loop to finish all steps; rethrows what went wrong in it. */
    int[][] await() throws Exception {
        thread.join(600_000);
        if (failure != null) {
            throw new AssertionError("engine loop failed", failure);
        }
        return generated;
    }

    int iterations() {
        return iterations;
    }

    int recoveries() {
        return recoveries;
    }

    private void run() {
        int vocab = model.config().vocabSize();
        int n = prompts.length;
        ArenaKvStorage[] kv = new ArenaKvStorage[n];
        try {
            int[][] tables = new int[n][];
            KvStorage[] storages = new KvStorage[n];
            for (int s = 0; s < n; s++) {
                kv[s] = ArenaKvStorage.forTokens(model.kvLayout(16), prompts[s].length + steps);
                tables[s] = kv[s].identityTable();
                storages[s] = kv[s];
            }
            float[] logits = new float[n * vocab];
            // prefill all prompts in one batch
            int total = 0;
            for (int[] p : prompts) {
                total += p.length;
            }
            int[] tokens = new int[total];
            int[] pos = new int[total];
            int[] seq = new int[total];
            int[] rows = new int[n];
            int at = 0;
            for (int s = 0; s < n; s++) {
                for (int i = 0; i < prompts[s].length; i++) {
                    tokens[at] = prompts[s][i];
                    pos[at] = i;
                    seq[at] = s;
                    at++;
                }
                rows[s] = at - 1;
            }
            forward(new ForwardBatch(tokens, pos, seq, tables, storages, rows), logits);
            for (int step = 0; step < steps && !stop; step++) {
                int[] next = new int[n];
                int[] p = new int[n];
                int[] sq = new int[n];
                int[] r = new int[n];
                for (int s = 0; s < n; s++) {
                    next[s] = Sampler.argmax(logits, s * vocab, vocab);
                    generated[s][step] = next[s];
                    p[s] = prompts[s].length + step;
                    sq[s] = s;
                    r[s] = s;
                }
                if (step + 1 < steps) {
                    forward(new ForwardBatch(next, p, sq, tables, storages, r), logits);
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            synchronized (between) {
                finished = true;
                Runnable task;
                while ((task = between.poll()) != null) {
                    task.run();
                }
            }
            for (ArenaKvStorage k : kv) {
                if (k != null) {
                    k.close();
                }
            }
        }
    }

    /** One iteration: commit tasks first, then the batch; a failed device is recovered and the batch retried. */
    private void forward(ForwardBatch batch, float[] logits) {
        while (true) {
            Runnable task;
            while ((task = between.poll()) != null) {
                task.run();
            }
            try {
                transformer.forward(batch, logits);
                iterations++;
                return;
            } catch (DeviceFailedException e) {
                // as the engine loop does: queue the recovery, keep running commands until it has switched
                CompletableFuture<ScaleStatus> healing = controller.handleDeviceFailure();
                while (!healing.isDone()) {
                    while ((task = between.poll()) != null) {
                        task.run();
                    }
                    Thread.onSpinWait();
                }
                recoveries++;
            }
        }
    }

    @Override
    public CompletableFuture<Void> runBetweenIterations(Runnable task) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Runnable wrapped = () -> {
            try {
                task.run();
                f.complete(null);
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        };
        synchronized (between) {
            if (!finished) {
                between.add(wrapped);
                return f;
            }
        }
        wrapped.run();
        return f;
    }

    @Override
    public void setKvDevices(List<Device> devices) {
    }

    @Override
    public int kvBlocksInUse(Device device) {
        return 0;
    }

    @Override
    public int recomputeSequencesOn(Device device) {
        return 0;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(60_000);
    }
}
