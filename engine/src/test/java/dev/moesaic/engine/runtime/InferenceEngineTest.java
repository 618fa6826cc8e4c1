package dev.moesaic.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moesaic.engine.sampler.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The engine against its slow twin ({@link dev.moesaic.engine.forward.Generator}: one sequence, no
 * batching, no paging): whatever the batching, chunking, preemption or company, each sequence's
 * tokens must be exactly what it generates alone.
 */
class InferenceEngineTest {
    private static final String[] PROMPTS = {
            "Once upon a time", "The license is", "They were", "every day the work", "A", "In the end they had been",
            "Hello world!", "what about this and that"};

    @Test
    void oneGreedyRequestMatchesTheReferenceGenerator() {
        try (TinyEngine t = new TinyEngine(256, EngineConfig.DEFAULT)) {
            int[] prompt = TinyEngine.prompt("Once upon a time");
            Collector c = new Collector(1);
            t.engine.submit(GenerationRequest.greedy("r1", prompt, 24), c);
            t.runUntilDone(100, c);
            int[] expected = TinyEngine.alone(prompt, 24, SamplingParams.GREEDY, true);
            assertThat(c.ids(0)).containsExactly(expected);
            assertThat(c.text(0)).isEqualTo(TinyEngine.MODEL.tokenizer().decode(expected));
            assertThat(c.done.join()).isEqualTo(new Usage(prompt.length, c.end(0).completionTokens()));
            assertThat(t.engine.stats().kvUsedBlocks()).isZero();
        }
    }

    @Test
    void manySequencesBatchedTogetherEachGiveTheirSoloOutput() {
        // A small token budget forces chunked prefill next to running decodes; temperature > 0 checks the samplers too.
        try (TinyEngine t = new TinyEngine(512, new EngineConfig(8, 8, 64))) {
            List<Collector> cs = new ArrayList<>();
            List<int[]> prompts = new ArrayList<>();
            SamplingParams sampled = new SamplingParams(0.9f, 0.95f, 40, 7);
            for (int i = 0; i < PROMPTS.length; i++) {
                int[] p = TinyEngine.prompt(PROMPTS[i]);
                prompts.add(p);
                Collector c = new Collector(1);
                cs.add(c);
                SamplingParams params = i % 2 == 0 ? SamplingParams.GREEDY : sampled;
                t.engine.submit(new GenerationRequest("r" + i, p, 20, params, List.of(), 1, -1, true), c);
                t.engine.step(); // arrivals spread over iterations
            }
            t.runUntilDone(1000, cs.toArray(Collector[]::new));
            for (int i = 0; i < PROMPTS.length; i++) {
                SamplingParams params = i % 2 == 0 ? SamplingParams.GREEDY : sampled;
                assertThat(cs.get(i).ids(0)).as("request %d", i)
                        .containsExactly(TinyEngine.alone(prompts.get(i), 20, params, false));
            }
            assertThat(t.engine.stats().iterations()).isLessThan(8 * 21); // batched, not one after another
        }
    }

    @Test
    void longPromptIsPrefilledInChunksWhileOtherStreamsKeepDecoding() {
        try (TinyEngine t = new TinyEngine(512, new EngineConfig(8, 4, 16))) {
            int[] shortPrompt = TinyEngine.prompt("Once upon a time");
            Collector running = new Collector(1);
            t.engine.submit(new GenerationRequest("short", shortPrompt, 40, SamplingParams.GREEDY, List.of(), 1, -1, true), running);
            t.engine.step();
            t.engine.step();
            int[] longPrompt = TinyEngine.prompt("every day the work of the License was about what they had been "
                    + "doing at the end of the day, and so they were not");
            assertThat(longPrompt.length).isGreaterThan(24);
            Collector longOne = new Collector(1);
            t.engine.submit(new GenerationRequest("long", longPrompt, 5, SamplingParams.GREEDY, List.of(), 1, -1, true), longOne);
            int before = running.ids(0).length;
            int steps = 0;
            while (longOne.ids(0).length == 0) {
                t.engine.step();
                steps++;
            }
            // The long prompt took several iterations, and the short stream got a token in every one of them.
            assertThat(steps).isGreaterThanOrEqualTo(longPrompt.length / 8);
            assertThat(running.ids(0).length - before).isEqualTo(steps);
            t.runUntilDone(200, running, longOne);
            assertThat(longOne.ids(0)).containsExactly(TinyEngine.alone(longPrompt, 5, SamplingParams.GREEDY, false));
            assertThat(running.ids(0)).containsExactly(TinyEngine.alone(shortPrompt, 40, SamplingParams.GREEDY, false));
        }
    }

    @Test
    void preemptionWhenBlocksRunOutLeavesEveryOutputUnchanged() {
        // 10 blocks of 16 tokens for 6 sequences that each grow to ~45 tokens: they cannot all be resident.
        try (TinyEngine t = new TinyEngine(10, new EngineConfig(64, 8, 16))) {
            List<Collector> cs = new ArrayList<>();
            SamplingParams sampled = new SamplingParams(1.0f, 1f, 0, 11);
            for (int i = 0; i < 6; i++) {
                Collector c = new Collector(1);
                cs.add(c);
                SamplingParams params = i % 2 == 0 ? SamplingParams.GREEDY : sampled;
                t.engine.submit(new GenerationRequest("r" + i, TinyEngine.prompt(PROMPTS[i]), 40, params, List.of(), 1, -1, true), c);
            }
            t.runUntilDone(5000, cs.toArray(Collector[]::new));
            assertThat(t.engine.stats().preemptions()).isPositive();
            for (int i = 0; i < 6; i++) {
                SamplingParams params = i % 2 == 0 ? SamplingParams.GREEDY : sampled;
                assertThat(cs.get(i).end(0).reason()).isEqualTo(FinishReason.LENGTH);
                assertThat(cs.get(i).ids(0)).as("request %d", i)
                        .containsExactly(TinyEngine.alone(TinyEngine.prompt(PROMPTS[i]), 40, params, false));
            }
            assertThat(t.engine.stats().kvUsedBlocks()).isZero();
        }
    }

    @Test
    void aSequenceThatOutgrowsTheWholeCacheEndsWithLengthInsteadOfFailing() {
        try (TinyEngine t = new TinyEngine(2, new EngineConfig(64, 8, 16))) {
            Collector c = new Collector(1);
            t.engine.submit(new GenerationRequest("big", TinyEngine.prompt("Once upon a time"), 100, SamplingParams.GREEDY,
                    List.of(), 1, -1, true), c);
            t.runUntilDone(200, c);
            assertThat(c.end(0).reason()).isEqualTo(FinishReason.LENGTH);
            // 32 positions fit; the token sampled from the last of them is output but never needs a slot.
            assertThat(c.ids(0).length + TinyEngine.prompt("Once upon a time").length).isEqualTo(33);
        }
    }

    @Test
    void nChoicesAreIndependentSequencesWithSeedPlusIndex() {
        try (TinyEngine t = new TinyEngine(256, EngineConfig.DEFAULT)) {
            int[] prompt = TinyEngine.prompt("They were");
            SamplingParams params = new SamplingParams(1.2f, 1f, 0, 100);
            Collector c = new Collector(3);
            t.engine.submit(new GenerationRequest("n3", prompt, 12, params, List.of(), 3, -1, true), c);
            t.runUntilDone(100, c);
            int total = 0;
            for (int i = 0; i < 3; i++) {
                assertThat(c.ids(i)).containsExactly(TinyEngine.alone(prompt, 12, new SamplingParams(1.2f, 1f, 0, 100 + i), false));
                total += c.end(i).completionTokens();
            }
            assertThat(c.ids(0)).isNotEqualTo(c.ids(1));
            assertThat(c.done.join()).isEqualTo(new Usage(prompt.length, total));
        }
    }

    @Test
    void stopStringEndsTheChoiceAndIsNotOutputEvenAcrossTokens() {
        try (TinyEngine t = new TinyEngine(256, EngineConfig.DEFAULT)) {
            int[] prompt = TinyEngine.prompt("Once upon a time");
            int[] free = TinyEngine.alone(prompt, 30, SamplingParams.GREEDY, false);
            String full = TinyEngine.MODEL.tokenizer().decode(free);
            // A stop string made of the end of one token's text and the start of a later one.
            int cutToken = 6;
            String before = TinyEngine.MODEL.tokenizer().decode(java.util.Arrays.copyOf(free, cutToken));
            String stop = full.substring(before.length() - 1, before.length() + 3);
            int at = full.indexOf(stop);
            Collector c = new Collector(1);
            t.engine.submit(new GenerationRequest("s", prompt, 30, SamplingParams.GREEDY, List.of(stop), 1, -1, true), c);
            t.runUntilDone(100, c);
            assertThat(c.text(0)).isEqualTo(full.substring(0, at));
            assertThat(c.end(0).reason()).isEqualTo(FinishReason.STOP);
            assertThat(c.end(0).completionTokens()).isLessThan(30);
        }
    }

    @Test
    void logprobsAreTheLogSoftmaxOfTheLogitsAndTheChosenTokenIsAmongTheTopForGreedy() {
        try (TinyEngine t = new TinyEngine(256, EngineConfig.DEFAULT)) {
            Collector c = new Collector(1);
            t.engine.submit(new GenerationRequest("lp", TinyEngine.prompt("The license is"), 6, SamplingParams.GREEDY, List.of(), 1,
                    3, true), c);
            t.runUntilDone(100, c);
            assertThat(c.logprobs.get(0)).hasSize(6);
            for (TokenLogprob lp : c.logprobs.get(0)) {
                assertThat(lp.topTokens()).hasSize(3);
                assertThat(lp.topTokens()[0]).isEqualTo(lp.token()); // greedy picks the most likely
                assertThat(lp.topLogprobs()[0]).isEqualTo(lp.logprob());
                assertThat(lp.topLogprobs()[0]).isGreaterThanOrEqualTo(lp.topLogprobs()[1]);
                assertThat(lp.logprob()).isLessThanOrEqualTo(0f);
            }
        }
    }

    @Test
    void cancelFreesTheSequencesBlocksWithinOneIteration() {
        try (TinyEngine t = new TinyEngine(64, EngineConfig.DEFAULT)) {
            Collector c = new Collector(2);
            t.engine.submit(new GenerationRequest("c", TinyEngine.prompt("Once upon a time"), 500, SamplingParams.GREEDY, List.of(),
                    2, -1, true), c);
            for (int i = 0; i < 5; i++) {
                t.engine.step();
            }
            assertThat(t.engine.stats().kvUsedBlocks()).isPositive();
            t.engine.cancel("c");
            t.engine.step();
            assertThat(t.engine.stats().kvUsedBlocks()).isZero();
            assertThat(c.end(0).reason()).isEqualTo(FinishReason.ABORT);
            assertThat(c.end(1).reason()).isEqualTo(FinishReason.ABORT);
            assertThat(c.done.join().completionTokens()).isEqualTo(c.ids(0).length + c.ids(1).length);
            assertThat(t.engine.isIdle()).isTrue();
        }
    }

    @Test
    void fullWaitingQueueRefusesAndLosesNothingAdmitted() {
        try (TinyEngine t = new TinyEngine(64, new EngineConfig(8, 2, 3))) {
            List<Collector> accepted = new ArrayList<>();
            int refused = 0;
            for (int i = 0; i < 6; i++) {
                Collector c = new Collector(1);
                try {
                    t.engine.submit(GenerationRequest.greedy("q" + i, TinyEngine.prompt("A"), 4), c);
                    accepted.add(c);
                } catch (QueueFullException e) {
                    refused++;
                    assertThat(e.getMessage()).contains("3 requests are already waiting");
                }
            }
            assertThat(accepted).hasSize(3);
            assertThat(refused).isEqualTo(3);
            assertThat(t.engine.stats().waitingSequences()).isEqualTo(3);
            assertThat(t.engine.stats().waitingRequests()).isEqualTo(3);
            t.engine.step();
            assertThat(t.engine.stats().runningSequences()).isEqualTo(2);
            assertThat(t.engine.stats().waitingSequences()).isEqualTo(1);
            t.runUntilDone(200, accepted.toArray(Collector[]::new));
            for (Collector c : accepted) {
                assertThat(c.end(0).reason()).isIn(FinishReason.LENGTH, FinishReason.STOP);
            }
            assertThat(t.engine.stats().waitingRequests()).isZero();
        }
    }

    @Test
    void promptsThatCannotFitAreRefusedUpFront() {
        try (TinyEngine t = new TinyEngine(2, EngineConfig.DEFAULT)) {
            assertThatThrownBy(() -> t.engine.submit(GenerationRequest.greedy("x", new int[40], 4), new Collector(1)))
                    .isInstanceOf(PromptTooLongException.class).hasMessageContaining("KV cache");
            assertThatThrownBy(() -> t.engine.submit(GenerationRequest.greedy("y", new int[] {1, 9999}, 4), new Collector(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocabulary");
            assertThat(t.engine.stats().waitingRequests()).isZero();
        }
    }

    @Test
    void aListenerThatThrowsAbortsOnlyItsOwnRequest() {
        try (TinyEngine t = new TinyEngine(64, EngineConfig.DEFAULT)) {
            Collector good = new Collector(1);
            AtomicInteger calls = new AtomicInteger();
            GenerationListener bad = new GenerationListener() {
                @Override
                public void onToken(TokenEvent event) {
                    calls.incrementAndGet();
                    throw new IllegalStateException("client gone");
                }

                @Override
                public void onChoiceEnd(ChoiceEnd end) {
                }

                @Override
                public void onComplete(Usage usage) {
                }
            };
            int[] p = TinyEngine.prompt("Once upon a time");
            t.engine.submit(GenerationRequest.greedy("bad", p, 10), bad);
            t.engine.submit(GenerationRequest.greedy("good", p, 10), good);
            t.runUntilDone(100, good);
            assertThat(calls.get()).isEqualTo(1);
            assertThat(good.ids(0)).containsExactly(TinyEngine.alone(p, 10, SamplingParams.GREEDY, true));
            assertThat(t.engine.isIdle()).isTrue();
            assertThat(t.engine.stats().kvUsedBlocks()).isZero();
        }
    }

    @Test
    void betweenIterationTasksRunOnTheLoopThreadAndMayPreemptSelectedSequences() throws Exception {
        try (TinyEngine t = new TinyEngine(64, EngineConfig.DEFAULT)) {
            int[] p = TinyEngine.prompt("every day the work");
            Collector a = new Collector(1);
            Collector b = new Collector(1);
            t.engine.submit(GenerationRequest.greedy("a", p, 30), a);
            t.engine.submit(GenerationRequest.greedy("b", p, 30), b);
            for (int i = 0; i < 4; i++) {
                t.engine.step();
            }
            AtomicInteger preempted = new AtomicInteger();
            var done = t.engine.runBetweenIterations(() -> preempted.set(t.engine.preempt(s -> s.requestId().equals("a"))));
            t.engine.step();
            done.get();
            assertThat(preempted.get()).isEqualTo(1);
            assertThat(t.engine.stats().preemptions()).isEqualTo(1);
            assertThatThrownBy(() -> t.engine.preempt(s -> true)).isInstanceOf(IllegalStateException.class);
            t.runUntilDone(200, a, b);
            assertThat(a.ids(0)).containsExactly(b.ids(0)).containsExactly(TinyEngine.alone(p, 30, SamplingParams.GREEDY, true));
        }
    }
}
