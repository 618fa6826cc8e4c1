package dev.moesaic.engine.elastic;

import dev.moesaic.engine.device.Device;
import dev.moesaic.engine.device.DeviceExpertExecutor;
import dev.moesaic.engine.device.DeviceFleet;
import dev.moesaic.engine.device.ExpertLayout;
import dev.moesaic.engine.device.ExpertTopology;
import dev.moesaic.memory.CopyEngine;
import dev.moesaic.memory.ExpertSlots;
import dev.moesaic.router.balance.AlfBalancer;
import dev.moesaic.router.dispatch.Dispatcher;
import dev.moesaic.router.placement.Placement;
import dev.moesaic.router.placement.Placements;
import dev.moesaic.router.planner.EplbPlanner;
import dev.moesaic.router.planner.MinimalMovePlanner;
import dev.moesaic.router.planner.PlacementPlan;
import dev.moesaic.router.planner.ScalePlanner;
import dev.moesaic.router.stats.LoadStatistics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Changes the devices under a running model without stopping it (ElasticMoE's protocol):
 * <ol>
 *   <li><b>plan</b>: a minimal-move placement for the new device count (EPLB fed by observed loads);</li>
 *   <li><b>prepare</b>: new devices come up; experts they will own are copied from their current
 *       holders' pools (peer to peer, never from the model file) into free slots, one MoE layer at a
 *       time, while the engine keeps serving on the current epoch;</li>
 *   <li><b>commit</b>: between two iterations the layer switches to the new epoch;</li>
 *   <li><b>release</b>: slots the new epoch no longer uses are freed.</li>
 * </ol>
 * Migrating layer by layer bounds peak pool memory to steady state plus one layer's moving experts.
 * A failure while preparing rolls the committed layers back and leaves the old devices serving.
 * Scale-down drains the leaving devices' experts to peers first; the devices are closed once the
 * sequences whose KV blocks they hold have finished, at most the drain timeout; the sequences still
 * there then move (recomputed on the devices that stay; KV blocks are never copied or dropped).
 * A failed device is healed by a recovery operation ({@link #handleDeviceFailure}), queued behind the
 * running operation like any other: one operation at a time, each with an id and a final phase.
 *
 * <p>Placement state is changed only on the engine loop thread (inside
 * {@link ServingControl#runBetweenIterations}); it is read under this object's lock. Copies run on
 * the controller's worker thread, never on the engine loop.
 */
public final class ScaleController implements AutoCloseable {
    /**
     * @param maxDevices         the most devices a request may ask for
     * @param redundantExperts   extra physical expert slots per MoE layer (replicas of hot experts)
     * @param threadsPerDevice   compute threads of each device added after the first (0 = cores / devices)
     * @param copyBandwidth      bytes/s of the emulated device-to-device link (0 = unlimited)
     * @param layersInFlight     MoE layers copied but not yet switched at any time: peak memory is steady state plus
     *                           that many layers' moving experts; more overlaps more copies with fewer iteration waits
     * @param copyMethod         how expert bytes move between pools (the kernel copy; the mapped one is the baseline)
     * @param drainTimeout       how long a leaving device's running sequences may take to finish before they are moved
     *                           (recomputed on the devices that stay)
     */
    public record Options(int maxDevices, int redundantExperts, int threadsPerDevice, long copyBandwidth, int layersInFlight,
                          CopyEngine.Method copyMethod, Duration drainTimeout) {
        public static final int DEFAULT_LAYERS_IN_FLIGHT = 2;
        public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

        public Options {
            if (maxDevices < 1 || redundantExperts < 0 || threadsPerDevice < 0 || copyBandwidth < 0 || layersInFlight < 1
                    || copyMethod == null || drainTimeout == null || drainTimeout.isNegative()) {
                throw new IllegalArgumentException("invalid scaling options " + this);
            }
        }

        public Options(int maxDevices, int redundantExperts, int threadsPerDevice, long copyBandwidth, int layersInFlight,
                       CopyEngine.Method copyMethod) {
            this(maxDevices, redundantExperts, threadsPerDevice, copyBandwidth, layersInFlight, copyMethod, DEFAULT_DRAIN_TIMEOUT);
        }

        public Options withDrainTimeout(Duration timeout) {
            return new Options(maxDevices, redundantExperts, threadsPerDevice, copyBandwidth, layersInFlight, copyMethod, timeout);
        }

        public Options(int maxDevices, int redundantExperts, int threadsPerDevice, long copyBandwidth, int layersInFlight) {
            this(maxDevices, redundantExperts, threadsPerDevice, copyBandwidth, layersInFlight, CopyEngine.Method.KERNEL);
        }

        public Options(int maxDevices, int redundantExperts, int threadsPerDevice, long copyBandwidth) {
            this(maxDevices, redundantExperts, threadsPerDevice, copyBandwidth, DEFAULT_LAYERS_IN_FLIGHT);
        }

        public static Options defaults() {
            return new Options(8, 0, 0, 0);
        }
    }

    private static final long COMMIT_TIMEOUT_SECONDS = 120;
    private static final int HISTORY = 64;

    private final DeviceFleet fleet;
    private final Options options;
    private final ExpertLayout[] layouts;
    private final LoadStatistics statistics;
    private final ScalePlanner scalePlanner;
    private final MinimalMovePlanner rebalancer;
    private final CopyEngine copyEngine;
    private final ExecutorService worker;
    private final AtomicInteger ids = new AtomicInteger();
    private DeviceExpertExecutor executor;
    private volatile ServingControl control;

    // placement state, guarded by this; changed on the engine loop thread
    private List<Device> devices = List.of();
    private Membership membership;
    private long epoch;
    private final Map<String, Operation> operations = new LinkedHashMap<>();
    private Operation running;
    private Operation recovery; // queued or running; new operations wait for it
    private final Set<Device> recomputed = new HashSet<>(); // failed devices whose sequences were already sent back
    private volatile CopyHook copyHook = (kind, layer, expert) -> { };

    /** Called before each expert copy of an operation; tests make it throw to fail a copy half-way. */
    @FunctionalInterface
    public interface CopyHook {
        void beforeCopy(String operationKind, int layer, int expert);
    }

    /** Test seam: runs {@code hook} before every expert copy (a throwing hook is a failed copy). */
    public void setCopyHook(CopyHook hook) {
        this.copyHook = hook == null ? (kind, layer, expert) -> { } : hook;
    }
    private Consumer<ScaleStatus> listener = s -> { };

    public ScaleController(DeviceFleet fleet, LoadStatistics statistics, Options options) {
        this.fleet = fleet;
        this.options = options;
        this.layouts = fleet.layouts();
        this.statistics = statistics;
        EplbPlanner eplb = EplbPlanner.global();
        this.rebalancer = new MinimalMovePlanner(eplb);
        this.scalePlanner = new ScalePlanner(rebalancer);
        this.copyEngine = options.copyBandwidth() > 0 ? CopyEngine.withBandwidth(options.copyBandwidth())
                : CopyEngine.unlimited(options.copyMethod());
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "scale-controller");
            t.setDaemon(true);
            return t;
        });
    }

    // ------------------------------------------------------------------ start-up

    /**
     * Brings up {@code count} devices, loads every expert from the model into them (round-robin), and
     * returns the executor the transformer computes experts with. Called once, before serving.
     */
    public synchronized DeviceExpertExecutor start(int count) {
        if (executor != null) {
            throw new IllegalStateException("the scale controller has already started");
        }
        requireDeviceCount(count);
        List<Device> ds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ds.add(fleet.addDevice(threadsFor(count)));
        }
        Placement p = Placements.roundRobin(fleet.moeLayers(), expertCount(), count, slotsPerDevice(count));
        fleet.loadFromModel(p, ds);
        devices = List.copyOf(ds);
        membership = Membership.of(p);
        epoch = p.epoch();
        executor = new DeviceExpertExecutor(fleet.model().config().hidden(), fleet.moeIndexOfLayer(),
                new Dispatcher(new AlfBalancer()), statistics, ExpertTopology.resolve(p, devices, layouts));
        return executor;
    }

    /** Connects the engine loop that serves requests; until then commits apply immediately. */
    public void attach(ServingControl control) {
        this.control = control;
        control.setKvDevices(devices());
    }

    public DeviceExpertExecutor executor() {
        return executor;
    }

    /** Receives every status change of every operation (metrics, logs). */
    public synchronized void setListener(Consumer<ScaleStatus> listener) {
        this.listener = listener;
    }

    // ------------------------------------------------------------------ queries

    public synchronized List<Device> devices() {
        return devices;
    }

    public synchronized int deviceCount() {
        return devices.size();
    }

    public synchronized long epoch() {
        return epoch;
    }

    /** The placement the engine serves with now. */
    public synchronized Placement placement() {
        return membership.toPlacement(epoch);
    }

    // Snapshots are taken outside this object's lock: an operation holds its own lock, never this one, while it reports.
    public ScaleStatus status(String id) {
        Operation op;
        synchronized (this) {
            op = operations.get(id);
        }
        return op == null ? null : op.status();
    }

    public ScaleStatus runningStatus() {
        Operation op;
        synchronized (this) {
            op = running;
        }
        return op == null ? null : op.status();
    }

    public List<ScaleStatus> history() {
        List<Operation> ops;
        synchronized (this) {
            ops = List.copyOf(operations.values());
        }
        return ops.stream().map(Operation::status).toList();
    }

    public LoadStatistics statistics() {
        return statistics;
    }

    public long bytesCopied() {
        return copyEngine.bytesCopied();
    }

    // ------------------------------------------------------------------ requests

    /** Starts scaling to {@code count} devices in the background; returns at once. */
    public ScaleStatus requestScale(int count) {
        requireDeviceCount(count);
        Operation op = begin("scale", count);
        worker.submit(() -> run(op, () -> scale(op)));
        return op.status();
    }

    /** Re-plans the placement from observed loads (EPLB, fewest moves) on the same devices. */
    public ScaleStatus requestRebalance() {
        Operation op = begin("rebalance", deviceCount());
        worker.submit(() -> run(op, () -> rebalance(op)));
        return op.status();
    }

    /**
     * Test hook: the device with id {@code deviceId} disappears without warning. The engine notices
     * at the next expert dispatch to it; recovery is also scheduled between iterations, so an idle
     * server heals too.
     */
    public boolean failDevice(int deviceId) {
        Device d;
        synchronized (this) {
            d = devices.stream().filter(x -> x.id() == deviceId).findFirst().orElse(null);
            if (d == null) {
                return false;
            }
            if (devices.size() == 1) {
                throw new IllegalStateException("device " + deviceId + " is the only device: failing it would leave nothing to serve on");
            }
        }
        d.fail();
        ServingControl c = control;
        if (c != null) {
            c.runBetweenIterations(this::handleDeviceFailure);
        } else {
            handleDeviceFailure();
        }
        return true;
    }

    private Operation begin(String kind, int to) {
        Operation op;
        synchronized (this) {
            if (running != null || recovery != null) {
                throw new ScaleInProgressException((running != null ? running : recovery).id);
            }
            op = new Operation("op-" + ids.incrementAndGet(), kind, devices.size(), to);
            running = op;
            operations.put(op.id, op);
            trimHistory();
        }
        publish(op);
        return op;
    }

    private void trimHistory() {
        while (operations.size() > HISTORY) {
            operations.remove(operations.keySet().iterator().next());
        }
    }

    private void run(Operation op, Runnable body) {
        try {
            body.run();
            if (!op.phase.isFinal()) {
                op.finish(ScalePhase.DONE, null);
            }
        } catch (Throwable e) { // an Error too: every operation ends in a final phase
            if (!op.phase.isFinal()) {
                op.finish(ScalePhase.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        } finally {
            synchronized (this) {
                if (running == op) { // finish() normally cleared it already; a newer operation may be running
                    running = null;
                }
                if (recovery == op) {
                    recovery = null;
                }
            }
            publish(op);
            op.done.complete(op.status());
        }
    }

    // ------------------------------------------------------------------ scale

    private void scale(Operation op) {
        op.enter(ScalePhase.PLANNING);
        State at = state();
        List<Device> before = at.devices();
        Membership start = at.membership();
        long startEpoch = at.epoch();
        int n = op.to;
        if (n == before.size()) {
            op.servingMillis = op.elapsed();
            return;
        }
        fleet.metrics().resetPeaks();
        op.steady = fleet.metrics().usedBytes();
        PlacementPlan plan = scalePlanner.scaleTo(start.toPlacement(startEpoch), n, slotsPerDevice(n), loads());

        op.enter(ScalePhase.PREPARING);
        List<Device> union = new ArrayList<>(before);
        int[] indexOf = new int[n];
        List<Device> added = new ArrayList<>();
        try {
            for (int j = 0; j < n; j++) {
                int old = plan.oldDeviceOf(j);
                if (old >= 0) {
                    indexOf[j] = old;
                } else {
                    Device d = fleet.addDevice(threadsFor(n));
                    added.add(d);
                    indexOf[j] = union.size();
                    union.add(d);
                }
            }
        } catch (RuntimeException e) {
            added.forEach(fleet::retire);
            throw e;
        }
        List<Device> after = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            after.add(union.get(indexOf[j]));
        }
        Membership target = Membership.renumbered(plan.to(), indexOf, union.size());
        Membership original = start.withDevices(union.size());
        if (n < before.size()) {
            kvDevices(after); // the leaving devices take no new sequences from now on
        }
        List<Integer> committed = new ArrayList<>();
        Runnable releaseTail;
        try {
            commit(op, union, original, startEpoch);
            releaseTail = migrate(op, target, ascending(target.layers()), committed);
        } catch (PlacementChangedException e) {
            op.finish(ScalePhase.FAILED, e.getMessage());
            return;
        } catch (RuntimeException e) {
            rollBack(op, e, union, original, committed, added, before);
            return;
        }

        op.enter(ScalePhase.COMMITTING);
        Membership finalMembership = target.select(indexOf);
        long expected;
        synchronized (this) {
            expected = epoch;
        }
        commit(op, after, finalMembership, expected);
        op.servingMillis = op.elapsed();
        kvDevices(after);
        releaseTail.run();

        op.enter(ScalePhase.DRAINING);
        for (Device d : before) {
            if (!after.contains(d)) {
                awaitKvDrained(d);
                fleet.retire(d);
            }
        }
    }

    private void rebalance(Operation op) {
        op.enter(ScalePhase.PLANNING);
        State at = state();
        List<Device> ds = at.devices();
        Membership start = at.membership();
        long startEpoch = at.epoch();
        fleet.metrics().resetPeaks();
        op.steady = fleet.metrics().usedBytes();
        PlacementPlan plan = rebalancer.replan(start.toPlacement(startEpoch), loads());
        int[] identity = new int[ds.size()];
        Arrays.setAll(identity, i -> plan.oldDeviceOf(i) >= 0 ? plan.oldDeviceOf(i) : i);
        Membership target = Membership.renumbered(plan.to(), identity, ds.size());
        op.enter(ScalePhase.PREPARING);
        List<Integer> committed = new ArrayList<>();
        Runnable releaseTail;
        try {
            releaseTail = migrate(op, target, ascending(target.layers()), committed);
        } catch (PlacementChangedException e) {
            op.finish(ScalePhase.FAILED, e.getMessage());
            return;
        } catch (RuntimeException e) {
            rollBack(op, e, ds, start, committed, List.of(), ds);
            return;
        }
        op.servingMillis = op.elapsed();
        releaseTail.run();
    }

    private record PendingLayer(int layer, Membership before, CompletableFuture<Void> commit, List<int[]> copied) {
    }

    /**
     * Moves {@code layers} to {@code target}, pipelined: copies for a layer go into free slots while
     * serving continues, the layer switches between two iterations, and the slots it no longer uses
     * are freed once the switch is done. At most {@code options.layersInFlight()} layers are copied but not
     * yet switched, so peak memory is steady state plus that many layers' moving experts. Each layer
     * whose switch completed is added to {@code committed} (what a rollback must undo).
     *
     * <p>Returns the release of the last layers' surplus slots: nothing is copied after them, so the caller
     * runs it once the final placement serves, which keeps freeing pages out of the scale-up latency
     * without raising the peak.
     */
    private Runnable migrate(Operation op, Membership target, int[] layers, List<Integer> committed) {
        State at = state();
        Membership planned = at.membership();
        List<Device> ds = at.devices();
        long expected = at.epoch();
        java.util.ArrayDeque<PendingLayer> inFlight = new java.util.ArrayDeque<>();
        List<int[]> copying = new ArrayList<>();
        int layer = -1;
        try {
            for (int l : layers) {
                layer = l;
                if (Arrays.deepEquals(planned.experts()[l], target.experts()[l])) {
                    continue;
                }
                while (inFlight.size() >= options.layersInFlight()) {
                    PendingLayer p = inFlight.poll();
                    awaitSwitch(p, ds, committed);
                    releaseSurplus(op, p, ds, target);
                }
                op.enterIfNot(ScalePhase.PREPARING);
                copying = new ArrayList<>();
                int[][] missing = planned.missing(l, target);
                for (int d = 0; d < missing.length; d++) {
                    for (int e : missing[d]) {
                        copyExpert(op, l, e, planned, ds, d, Set.of());
                        copying.add(new int[] {d, e});
                    }
                }
                Membership next = planned.withLayer(l, target);
                inFlight.add(new PendingLayer(l, planned, commitAsync(op, ds, next, expected), copying));
                copying = List.of();
                expected++;
                planned = next;
            }
            List<PendingLayer> tail = new ArrayList<>();
            while (!inFlight.isEmpty()) {
                PendingLayer p = inFlight.poll();
                awaitSwitch(p, ds, committed);
                tail.add(p);
            }
            return () -> tail.forEach(p -> releaseSurplus(op, p, ds, target));
        } catch (RuntimeException e) {
            for (int[] c : copying) {
                releaseQuietly(ds.get(c[0]), layer, c[1]);
            }
            while (!inFlight.isEmpty()) {
                try {
                    PendingLayer p = inFlight.poll();
                    awaitSwitch(p, ds, committed);
                    releaseSurplus(op, p, ds, target);
                } catch (RuntimeException ignored) {
                    // its copies are released; the first failure is what we report
                }
            }
            throw e;
        }
    }

    /** Waits for a layer's switch (if it failed, frees the copies made for it and rethrows). */
    private void awaitSwitch(PendingLayer p, List<Device> ds, List<Integer> committed) {
        try {
            await(p.commit());
        } catch (RuntimeException e) {
            for (int[] c : p.copied()) {
                releaseQuietly(ds.get(c[0]), p.layer(), c[1]);
            }
            throw e;
        }
        committed.add(p.layer());
    }

    /** Frees the slots a switched layer no longer uses. */
    private void releaseSurplus(Operation op, PendingLayer p, List<Device> ds, Membership target) {
        op.enterIfNot(ScalePhase.RELEASING); // the next layer's copies re-enter PREPARING
        int[][] surplus = p.before().surplus(p.layer(), target);
        for (int d = 0; d < surplus.length; d++) {
            for (int e : surplus[d]) {
                releaseQuietly(ds.get(d), p.layer(), e);
            }
        }
    }

    private static int[] ascending(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return a;
    }

    /** One expert into a free slot of device {@code to}: from a live holder's pool, or (failure only) from the model file. */
    private void copyExpert(Operation op, int layer, int expert, Membership now, List<Device> ds, int to, Set<Device> excluded) {
        ExpertSlots target = ds.get(to).slots(layer);
        if (target.slotOf(expert) >= 0) {
            return; // already there (a replica the device kept)
        }
        int free = DeviceFleet.freeSlot(target);
        for (int d = 0; d < ds.size(); d++) {
            Device holder = ds.get(d);
            if (d != to && now.holds(layer, d, expert) && !holder.isFailed() && !excluded.contains(holder)) {
                copyHook.beforeCopy(op.kind, layer, expert);
                ExpertSlots source = holder.slots(layer);
                source.copyTo(source.slotOf(expert), target, free, copyEngine);
                op.moved(layouts[layer].expertBytes());
                return;
            }
        }
        if (!op.kind.equals("recover")) {
            throw new IllegalStateException("no live device holds expert " + expert + " of MoE layer " + layer);
        }
        ExpertLayout layout = layouts[layer];
        copyHook.beforeCopy(op.kind, layer, expert);
        target.place(free, expert, seg -> layout.copyFromModel(expert, seg));
        op.moved(layout.expertBytes());
        op.fromFile++;
    }

    private static void releaseQuietly(Device d, int layer, int expert) {
        try {
            ExpertSlots slots = d.slots(layer);
            int s = slots.slotOf(expert);
            if (s >= 0) {
                slots.release(s);
            }
        } catch (RuntimeException e) {
            // the device was closed meanwhile (failure recovery): its memory is gone anyway
        }
    }

    /** Publishes a new epoch between two iterations (or at once before serving starts) and waits for it. */
    private void commit(Operation op, List<Device> ds, Membership next, long expectedEpoch) {
        await(commitAsync(op, ds, next, expectedEpoch));
    }

    /** Queues the switch to {@code next} at the next iteration boundary; it applies only on top of {@code expectedEpoch}. */
    private CompletableFuture<Void> commitAsync(Operation op, List<Device> ds, Membership next, long expectedEpoch) {
        Placement placement = next.toPlacement(expectedEpoch + 1);
        ExpertTopology topology = ExpertTopology.resolve(placement, ds, layouts);
        Runnable apply = () -> {
            synchronized (this) {
                if (epoch != expectedEpoch) {
                    throw new PlacementChangedException(epoch, expectedEpoch);
                }
                devices = List.copyOf(ds);
                membership = next;
                epoch = expectedEpoch + 1;
                op.epoch = epoch;
            }
            executor.setTopology(topology);
        };
        ServingControl c = control;
        if (c == null) {
            try {
                apply.run();
                return CompletableFuture.completedFuture(null);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return c.runBetweenIterations(apply);
    }

    private static void await(CompletableFuture<Void> f) {
        try {
            f.get(COMMIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the engine loop did not reach an iteration boundary within " + COMMIT_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while committing", e);
        }
    }

    /** Undoes the committed layers of a failed operation, so the devices that served before serve again. */
    private void rollBack(Operation op, RuntimeException cause, List<Device> union, Membership original, List<Integer> committed,
                          List<Device> added, List<Device> before) {
        String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        try {
            int[] undo = committed.reversed().stream().mapToInt(Integer::intValue).toArray();
            migrate(op, original, undo, new ArrayList<>()).run();
            long expected;
            synchronized (this) {
                expected = epoch;
            }
            int[] keep = new int[before.size()];
            for (int i = 0; i < keep.length; i++) {
                keep[i] = union.indexOf(before.get(i));
            }
            commit(op, before, original.select(keep), expected);
            kvDevices(before);
            for (Device d : added) {
                awaitKvDrained(d);
                fleet.retire(d);
            }
            op.finish(ScalePhase.ROLLED_BACK, why + " (rolled back: the previous " + before.size() + " device(s) serve as before)");
        } catch (RuntimeException again) {
            op.finish(ScalePhase.FAILED, why + "; rolling back also failed: " + again.getMessage());
        }
    }

    // ------------------------------------------------------------------ failure recovery

    /**
     * Called on the engine loop thread (between iterations) when an iteration hit a failed device, or
     * by {@link #failDevice}: the sequences whose KV lived on a failed device go back to the queue
     * (recomputed elsewhere; the client sees a pause), new sequences stop placing KV there, and a
     * recovery operation is queued on the controller's worker, after any running operation. Returns
     * the recovery's future (the pending one if one is queued already); it completes when the
     * operation ends, in any final phase. Cheap and non-blocking: the copies run on the worker.
     */
    public CompletableFuture<ScaleStatus> handleDeviceFailure() {
        State at = state();
        List<Device> failed = at.devices().stream().filter(Device::isFailed).toList();
        if (failed.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (failed.size() == at.devices().size()) {
            return CompletableFuture.failedFuture(new IllegalStateException("every device has failed; nothing is left to serve on"));
        }
        ServingControl c = control;
        for (Device f : failed) {
            boolean first;
            synchronized (this) {
                first = recomputed.add(f);
            }
            if (first && c != null) {
                c.recomputeSequencesOn(f);
            }
        }
        kvDevices(at.devices().stream().filter(d -> !d.isFailed()).toList());
        Operation op;
        synchronized (this) {
            if (recovery != null) {
                return recovery.done;
            }
            op = new Operation("op-" + ids.incrementAndGet(), "recover", at.devices().size(), at.devices().size() - failed.size());
            recovery = op;
            operations.put(op.id, op);
            trimHistory();
        }
        publish(op);
        try {
            worker.submit(() -> run(op, () -> recover(op)));
        } catch (RuntimeException closed) { // the controller is closing
            op.finish(ScalePhase.FAILED, "the scale controller is closed");
            synchronized (this) {
                recovery = null;
            }
            op.done.complete(op.status());
        }
        return op.done;
    }

    /**
     * The recovery operation, on the worker: re-homes the experts of every failed device onto the live
     * ones, from surviving replicas or, where none survives, from the model file; switches the placement
     * between two iterations; releases the surplus and retires the failed devices.
     */
    private void recover(Operation op) {
        synchronized (this) {
            running = op;
        }
        op.enter(ScalePhase.PLANNING);
        State at = state();
        List<Device> ds = at.devices();
        Membership now = at.membership();
        long current = at.epoch();
        List<Device> failed = ds.stream().filter(Device::isFailed).toList();
        if (failed.isEmpty()) {
            return; // a scale operation that ran before this one retired them already
        }
        if (failed.size() == ds.size()) {
            throw new IllegalStateException("every device has failed; nothing is left to serve on");
        }
        Set<Integer> leaving = new HashSet<>();
        for (int i = 0; i < ds.size(); i++) {
            if (ds.get(i).isFailed()) {
                leaving.add(i);
            }
        }
        int n = ds.size() - failed.size();
        PlacementPlan plan = scalePlanner.removeDevices(now.toPlacement(current), leaving, true, slotsPerDevice(n), loads());
        int[] indexOf = new int[n];
        for (int j = 0; j < n; j++) {
            indexOf[j] = plan.oldDeviceOf(j);
        }
        Membership target = Membership.renumbered(plan.to(), indexOf, ds.size());
        op.enter(ScalePhase.PREPARING);
        List<int[]> copied = new ArrayList<>(); // {layer, device, expert}: what to give back if this fails
        try {
            for (int l = 0; l < target.layers(); l++) {
                int[][] missing = now.missing(l, target);
                for (int d = 0; d < missing.length; d++) {
                    for (int e : missing[d]) {
                        if (ds.get(d).slots(l).slotOf(e) < 0) {
                            copyExpert(op, l, e, now, ds, d, Set.copyOf(failed));
                            copied.add(new int[] {l, d, e});
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            for (int[] c : copied) {
                releaseQuietly(ds.get(c[1]), c[0], c[2]);
            }
            throw e;
        }
        op.enter(ScalePhase.COMMITTING);
        List<Device> survivors = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            survivors.add(ds.get(indexOf[j]));
        }
        commit(op, survivors, target.select(indexOf), current);
        op.servingMillis = op.elapsed();
        op.enter(ScalePhase.RELEASING);
        for (int l = 0; l < target.layers(); l++) {
            int[][] surplus = now.surplus(l, target);
            for (int d = 0; d < surplus.length; d++) {
                if (!ds.get(d).isFailed()) {
                    for (int e : surplus[d]) {
                        releaseQuietly(ds.get(d), l, e);
                    }
                }
            }
        }
        kvDevices(survivors);
        failed.forEach(fleet::retire);
        synchronized (this) {
            recomputed.removeAll(failed);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The placement state at one moment: the devices in placement order, what they hold, the epoch. */
    private record State(List<Device> devices, Membership membership, long epoch) {
    }

    private synchronized State state() {
        return new State(devices, membership, epoch);
    }

    private void kvDevices(List<Device> ds) {
        ServingControl c = control;
        if (c != null) {
            c.setKvDevices(List.copyOf(ds));
        }
    }

    /**
     * Waits until no sequence keeps KV blocks on the leaving device {@code d}, at most the drain timeout;
     * then the sequences still there are moved: they go back to the queue and are recomputed on the
     * devices that stay (the client sees a pause, not an error).
     */
    private void awaitKvDrained(Device d) {
        ServingControl c = control;
        long deadline = System.nanoTime() + options.drainTimeout().toNanos();
        while (c != null && c.kvBlocksInUse(d) > 0) {
            if (System.nanoTime() >= deadline) {
                await(c.runBetweenIterations(() -> c.recomputeSequencesOn(d)));
                deadline = System.nanoTime() + options.drainTimeout().toNanos();
                continue;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while " + d.name() + " drained its sequences", e);
            }
        }
    }

    private double[][] loads() {
        double[][] avg = statistics == null ? null : statistics.expertLoadAverage();
        int layers = fleet.moeLayers();
        int experts = expertCount();
        boolean empty = avg == null || avg.length != layers;
        double[][] out = new double[layers][experts];
        for (int l = 0; l < layers; l++) {
            double sum = 0;
            for (int e = 0; e < experts; e++) {
                out[l][e] = empty ? 0 : avg[l][e];
                sum += out[l][e];
            }
            if (sum <= 0) {
                Arrays.fill(out[l], 1.0); // nothing observed yet: assume uniform load
            }
        }
        return out;
    }

    private int expertCount() {
        return fleet.model().config().experts();
    }

    private int slotsPerDevice(int count) {
        return Placements.minSlotsPerDevice(expertCount() + options.redundantExperts(), count);
    }

    private int threadsFor(int count) {
        if (options.threadsPerDevice() > 0) {
            return options.threadsPerDevice();
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / count);
    }

    private void requireDeviceCount(int count) {
        if (count < 1 || count > options.maxDevices()) {
            throw new IllegalArgumentException("devices must be between 1 and " + options.maxDevices() + ", got " + count);
        }
        if (count > expertCount()) {
            throw new IllegalArgumentException("the model has " + expertCount() + " experts per layer; more devices than experts would leave devices idle");
        }
    }

    /** Pool bytes owned by expert slots, over every device (KV blocks and new devices' empty pools excluded). */
    private long expertBytesInPools() {
        long sum = 0;
        for (Device d : fleet.devices()) {
            try {
                for (var e : d.pool().bytesByOwner().entrySet()) {
                    if (e.getKey().startsWith(DeviceFleet.EXPERT_OWNER_PREFIX)) {
                        sum += e.getValue();
                    }
                }
            } catch (RuntimeException closed) {
                // retired meanwhile
            }
        }
        return sum;
    }

    private void publish(Operation op) {
        Consumer<ScaleStatus> l;
        synchronized (this) {
            l = listener;
        }
        l.accept(op.status());
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }

    /** One operation's progress; fields written by the worker, read through {@link #status()}. */
    private final class Operation {
        final String id;
        final String kind;
        final int from;
        final int to;
        final long started = System.nanoTime();
        final EnumMap<ScalePhase, Long> phaseNanos = new EnumMap<>(ScalePhase.class);
        volatile ScalePhase phase = ScalePhase.QUEUED;
        long phaseStart = started;
        volatile long bytes;
        volatile int experts;
        volatile int fromFile;
        volatile long steady;
        volatile long peak;
        long steadyExperts = expertBytesInPools();
        long peakExperts = steadyExperts;
        volatile long servingMillis = -1;
        volatile long totalMillis = -1;
        volatile String error;
        volatile long epoch;
        final CompletableFuture<ScaleStatus> done = new CompletableFuture<>();

        Operation(String id, String kind, int from, int to) {
            this.id = id;
            this.kind = kind;
            this.from = from;
            this.to = to;
        }

        void enter(ScalePhase next) {
            synchronized (this) {
                long now = System.nanoTime();
                phaseNanos.merge(phase, now - phaseStart, Long::sum);
                phaseStart = now;
                phase = next;
            }
            publish(this); // outside the lock: listeners and status readers take other locks
        }

        void enterIfNot(ScalePhase p) {
            if (phase != p) {
                enter(p);
            }
        }

        synchronized void moved(long b) {
            bytes += b;
            experts++;
            peakExperts = Math.max(peakExperts, expertBytesInPools());
        }

        /**
         * Ends the operation. Everything a reader of the final status needs is written first, and the
         * controller accepts the next request before the final phase becomes visible: whoever sees
         * DONE may scale again at once.
         */
        void finish(ScalePhase last, String why) {
            error = why;
            totalMillis = elapsed();
            peak = fleet.metrics().peakBytes();
            synchronized (ScaleController.this) {
                if (running == this) {
                    running = null;
                }
            }
            enter(last);
        }

        long elapsed() {
            return (System.nanoTime() - started) / 1_000_000;
        }

        synchronized ScaleStatus status() {
            Map<ScalePhase, Long> ms = new EnumMap<>(ScalePhase.class);
            phaseNanos.forEach((k, v) -> ms.put(k, v / 1_000_000));
            if (!phase.isFinal()) {
                ms.merge(phase, (System.nanoTime() - phaseStart) / 1_000_000, Long::sum);
            }
            return new ScaleStatus(id, kind, from, to, phase, ms, bytes, experts, peak, steady, steadyExperts, peakExperts,
                    servingMillis, totalMillis, error, epoch);
        }
    }
}
