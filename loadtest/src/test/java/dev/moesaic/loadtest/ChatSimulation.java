package dev.moesaic.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Simulation;

/**
 * Non-streaming chat completions arriving at {@code moesaic.rate} per second for
 * {@code moesaic.durationSeconds}, {@code moesaic.maxTokens} tokens each. Fails on any failed request or
 * a p95 response time above {@code moesaic.p95Ms}.
 */
public final class ChatSimulation extends Simulation {
    public ChatSimulation() {
        var settings = LoadSettings.fromSystemProperties();
        var steps = new ChatSteps(settings);
        var prompts = new Prompts(11);
        setUp(scenario("chat")
                .exec(steps.chat("chat", session -> prompts.prompt(24), settings.maxTokens()))
                .injectOpen(constantUsersPerSec(settings.rate()).during(settings.duration())))
                .protocols(steps.protocol())
                .assertions(
                        global().allRequests().count().gt(0L),
                        global().failedRequests().count().is(0L),
                        global().responseTime().percentile(95.0).lt((int) settings.p95Bound().toMillis()));
    }
}
