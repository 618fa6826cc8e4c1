package dev.moesaic.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Simulation;

/**
 * Streamed chat completions (SSE) at {@code moesaic.rate} per second for {@code moesaic.durationSeconds}.
 * Gatling reports "connect", "first token" and "complete" per stream; the exact time to first token and
 * the gaps between chunks are printed at the end and written to target/gatling/streaming-stream-timings.json.
 * Fails on any failed request or a p95 of "complete" (the whole generation) above {@code moesaic.p95Ms}.
 */
public final class StreamingChatSimulation extends Simulation {
    private final ChatSteps steps = new ChatSteps(LoadSettings.fromSystemProperties());

    public StreamingChatSimulation() {
        var settings = steps.settings();
        var prompts = new Prompts(13);
        setUp(scenario("streaming chat")
                .exec(steps.streamingChat("stream", session -> prompts.prompt(24), settings.maxTokens()))
                .injectOpen(constantUsersPerSec(settings.rate()).during(settings.duration())))
                .protocols(steps.protocol())
                .assertions(
                        global().allRequests().count().gt(0L),
                        global().failedRequests().count().is(0L),
                        details("complete stream").responseTime().percentile(95.0).lt((int) settings.p95Bound().toMillis()));
    }

    @Override
    public void after() {
        steps.timings().report("streaming");
    }
}
