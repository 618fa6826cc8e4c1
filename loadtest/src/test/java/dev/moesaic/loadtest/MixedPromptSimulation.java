package dev.moesaic.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Choice;
import io.gatling.javaapi.core.Simulation;
import java.util.List;

/**
 * Non-streaming chat with mixed prompt lengths ({@link Prompts#MIXED}: 60 % short, 30 % medium, 10 % long),
 * reported per class ("chat short", "chat medium", "chat long") so prefill cost shows against prompt
 * length. Same rate, duration and bounds as {@link ChatSimulation}.
 */
public final class MixedPromptSimulation extends Simulation {
    public MixedPromptSimulation() {
        var settings = LoadSettings.fromSystemProperties();
        var steps = new ChatSteps(settings);
        var prompts = new Prompts(17);
        double total = Prompts.MIXED.stream().mapToDouble(Prompts.LengthClass::share).sum();
        List<Choice.WithWeight> choices = Prompts.MIXED.stream()
                .map(c -> percent(100.0 * c.share() / total)
                        .then(steps.chat("chat " + c.name(), session -> prompts.prompt(c.words()), settings.maxTokens())))
                .toList();
        setUp(scenario("mixed prompt lengths")
                .exec(randomSwitch().on(choices))
                .injectOpen(constantUsersPerSec(settings.rate()).during(settings.duration())))
                .protocols(steps.protocol())
                .assertions(
                        global().allRequests().count().gt(0L),
                        global().failedRequests().count().is(0L),
                        global().responseTime().percentile(95.0).lt((int) settings.p95Bound().toMillis()));
    }
}
