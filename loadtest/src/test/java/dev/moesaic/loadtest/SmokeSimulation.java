package dev.moesaic.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * CI smoke run (.ci/gatling-smoke.sh): about 15 s of one plain and one streamed chat per second against
 * the built-in model, with short answers. Fails on any failed request or a p95 above {@code moesaic.p95Ms}.
 * Properties: the common ones ({@link LoadSettings}); {@code moesaic.durationSeconds} defaults to 15 here.
 */
public final class SmokeSimulation extends Simulation {
    private final ChatSteps steps = new ChatSteps(LoadSettings.fromSystemProperties());

    public SmokeSimulation() {
        var properties = new LoadSettings.Properties(LoadSettings.Properties.system());
        Duration duration = properties.seconds("moesaic.durationSeconds", 15);
        int maxTokens = properties.positiveInt("moesaic.maxTokens", 16);
        var prompts = new Prompts(7);
        setUp(
                scenario("smoke chat")
                        .exec(steps.chat("chat", session -> prompts.prompt(8), maxTokens))
                        .injectOpen(constantUsersPerSec(1).during(duration)),
                scenario("smoke streaming chat")
                        .exec(steps.streamingChat("smoke", session -> prompts.prompt(8), maxTokens))
                        .injectOpen(constantUsersPerSec(1).during(duration)))
                .protocols(steps.protocol())
                .assertions(
                        global().allRequests().count().gt(0L),
                        global().failedRequests().count().is(0L),
                        global().responseTime().percentile(95.0).lt((int) steps.settings().p95Bound().toMillis()));
    }

    @Override
    public void after() {
        steps.timings().report("smoke");
    }
}
