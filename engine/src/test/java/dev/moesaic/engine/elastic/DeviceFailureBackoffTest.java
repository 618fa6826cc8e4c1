package dev.moesaic.engine.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.runtime.ChoiceEnd;
import dev.moesaic.engine.runtime.FinishReason;
import dev.moesaic.engine.runtime.GenerationListener;
import dev.moesaic.engine.runtime.GenerationRequest;
import dev.moesaic.engine.runtime.TokenEvent;
import dev.moesaic.engine.runtime.Usage;
import dev.moesaic.engine.sampler.SamplingParams;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A failure handler that cannot heal: the engine loop retries with backoff (never at once, forever),
 * then ends only the requests that need the failed device, with a clear error, and keeps serving.
 */
class DeviceFailureBackoffTest {
    @Test
    void aBrokenRecoveryFailsTheAffectedRequestsInsteadOfSpinning() throws Exception {
        try (LoadedModel model = Models.open("builtin:tiny-moe", null, null);
             ElasticEngine e = ElasticServingTest.start(model, 2)) {
            AtomicInteger attempts = new AtomicInteger();
            e.engine().setDeviceFailureHandler(() -> {
                attempts.incrementAndGet();
                throw new IllegalStateException("recovery is broken on purpose");
            });
            e.controller().devices().get(1).fail(); // no recovery scheduled: only the engine notices

            CompletableFuture<ChoiceEnd> end = new CompletableFuture<>();
            int[] prompt = model.tokenizer().encode("Once upon a time there was a little story", true);
            e.engine().submit(new GenerationRequest("r1", prompt, 16, SamplingParams.GREEDY, List.of(), 1, 0, true),
                    new GenerationListener() {
                        @Override
                        public void onToken(TokenEvent event) {
                        }

                        @Override
                        public void onChoiceEnd(ChoiceEnd choiceEnd) {
                            end.complete(choiceEnd);
                        }

                        @Override
                        public void onComplete(Usage usage) {
                        }
                    });

            ChoiceEnd result = end.get(60, TimeUnit.SECONDS);
            assertThat(result.reason()).isEqualTo(FinishReason.ERROR);
            assertThat(result.error()).as("a clear error naming the device").containsIgnoringCase("device");
            // retried with backoff a bounded number of times, not thousands of immediate retries
            assertThat(attempts.get()).isBetween(2, 12);
            assertThat(e.loop().thread().isAlive()).as("the engine loop goes on").isTrue();
        }
    }
}
