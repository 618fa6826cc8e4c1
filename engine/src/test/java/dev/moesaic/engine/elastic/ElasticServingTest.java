package dev.moesaic.engine.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.runtime.ChoiceEnd;
import dev.moesaic.engine.runtime.EngineConfig;
import dev.moesaic.engine.runtime.EngineObserver;
import dev.moesaic.engine.runtime.FinishReason;
import dev.moesaic.engine.runtime.GenerationListener;
import dev.moesaic.engine.runtime.GenerationRequest;
import dev.moesaic.engine.runtime.TokenEvent;
import dev.moesaic.engine.runtime.Usage;
import dev.moesaic.engine.sampler.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 7's acceptance at the engine level: 16 clients stream greedy requests without pause while the
 * devices change 1 -> 2 -> 4 -> 3 -> 1, ten times over, or while a device fails; no request fails and
 * every output equals the same request's output on an engine that never scaled.
 */
class ElasticServingTest {
    private static final int CLIENTS = 16;
    private static final int MAX_TOKENS = 40;

    @Test
    void scalingUnderSixteenStreamsLosesNothingAndChangesNoToken() throws Exception {
        try (LoadedModel model = Models.open("builtin:tiny-moe", null, null)) {
            List<int[]> prompts = prompts(model);
            List<int[]> expected = baseline(model, prompts);
            try (ElasticEngine e = start(model, 1)) {
                Clients clients = new Clients(e, prompts, expected);
                clients.start();
                clients.awaitCompleted(CLIENTS);
                long layerBytes = ScaleControllerTest.maxLayerBytes(e.fleet(), model.config().experts());
                int ops = 0;
                for (int cycle = 0; cycle < 10; cycle++) {
                    for (int devices : new int[] {2, 4, 3, 1}) {
                        ScaleStatus s = ScaleControllerTest.awaitDone(e.controller(), e.controller().requestScale(devices).id());
                        assertThat(s.phase()).as("%s", s).isEqualTo(ScalePhase.DONE);
                        assertThat(e.deviceCount()).isEqualTo(devices);
                        // from the memory manager's accounting: never more than two layers' experts in flight
                        assertThat(s.peakExpertBytes()).as("peak expert memory of %s", s)
                                .isLessThanOrEqualTo(s.steadyExpertBytes() + 2 * layerBytes);
                        ops++;
                    }
                }
                int duringScaling = clients.completed();
                clients.stop();
                assertThat(ops).isEqualTo(40);
                assertThat(clients.failures()).as("failed or changed requests: %s", clients.problems).isEmpty();
                assertThat(duringScaling).as("requests completed while scaling").isGreaterThan(2 * CLIENTS);
                assertThat(e.kvCache().usedBlocks()).as("every KV block returned").isZero();
            }
        }
    }

    @Test
    void aDeviceFailingUnderLoadLosesNothingAndChangesNoToken() throws Exception {
        try (LoadedModel model = Models.open("builtin:tiny-moe", null, null)) {
            List<int[]> prompts = prompts(model);
            List<int[]> expected = baseline(model, prompts);
            try (ElasticEngine e = start(model, 3)) {
                Clients clients = new Clients(e, prompts, expected);
                clients.start();
                clients.awaitCompleted(CLIENTS / 2);
                int victim = e.controller().devices().get(1).id();
                assertThat(e.controller().failDevice(victim)).isTrue();
                int before = clients.completed();
                clients.awaitCompleted(before + 2 * CLIENTS);
                clients.stop();
                assertThat(e.deviceCount()).isEqualTo(2);
                assertThat(e.controller().history()).anyMatch(s -> s.kind().equals("recover") && s.phase() == ScalePhase.DONE);
                assertThat(clients.failures()).as("failed or changed requests: %s", clients.problems).isEmpty();
            }
        }
    }

    static ElasticEngine start(LoadedModel model, int devices) {
        return ElasticEngine.start(model, new ElasticEngine.Options(devices, 2, 16, 4L << 20, new EngineConfig(256, 64, 256),
                ScaleController.Options.defaults()), new EngineObserver() { });
    }

    static List<int[]> prompts(LoadedModel model) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            out.add(model.tokenizer().encode("Request " + i + ": once upon a time there was a " + "little ".repeat(i % 5) + "story", true));
        }
        return out;
    }

    static List<int[]> baseline(LoadedModel model, List<int[]> prompts) throws Exception {
        List<int[]> out = new ArrayList<>();
        try (ElasticEngine e = start(model, 1)) {
            for (int i = 0; i < prompts.size(); i++) {
                out.add(run(e, "base-" + i, prompts.get(i)).get(60, TimeUnit.SECONDS));
            }
        }
        return out;
    }

    /** One greedy request; completes with its generated ids, or exceptionally if it ended with an error. */
    static CompletableFuture<int[]> run(ElasticEngine e, String id, int[] prompt) {
        CompletableFuture<int[]> done = new CompletableFuture<>();
        List<Integer> ids = new ArrayList<>();
        e.engine().submit(new GenerationRequest(id, prompt, MAX_TOKENS, SamplingParams.GREEDY, List.of(), 1, 0, true),
                new GenerationListener() {
                    @Override
                    public void onToken(TokenEvent event) {
                        ids.add(event.token());
                    }

                    @Override
                    public void onChoiceEnd(ChoiceEnd end) {
                        if (end.reason() != FinishReason.LENGTH) {
                            done.completeExceptionally(new AssertionError(id + " ended with " + end.reason() + ": " + end.error()));
                        }
                    }

                    @Override
                    public void onComplete(Usage usage) {
                        done.complete(ids.stream().mapToInt(Integer::intValue).toArray());
                    }
                });
        return done;
    }

    /** CLIENTS threads, each sending its prompt again and again and checking every answer. */
    static final class Clients {
        final ElasticEngine engine;
        final List<int[]> prompts;
        final List<int[]> expected;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger completed = new AtomicInteger();
        final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = new ArrayList<>();

        Clients(ElasticEngine engine, List<int[]> prompts, List<int[]> expected) {
            this.engine = engine;
            this.prompts = prompts;
            this.expected = expected;
        }

        void start() {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                Thread t = Thread.ofPlatform().name("client-" + c).daemon(true).start(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        try {
                            int[] got = run(engine, "c" + client + "-" + n, prompts.get(client)).get(120, TimeUnit.SECONDS);
                            if (!java.util.Arrays.equals(got, expected.get(client))) {
                                problems.add("client " + client + " request " + n + " generated other tokens");
                            }
                            completed.incrementAndGet();
                        } catch (Exception ex) {
                            problems.add("client " + client + " request " + n + ": " + ex);
                        }
                    }
                });
                threads.add(t);
            }
        }

        void awaitCompleted(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (completed.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(completed.get()).as("completed requests").isGreaterThanOrEqualTo(n);
        }

        int completed() {
            return completed.get();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(180_000);
            }
        }

        List<String> failures() {
            return problems;
        }
    }
}
