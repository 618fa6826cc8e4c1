package dev.moesaic.loadtest;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.regex.Pattern;

/**
 * Bursty arrivals of streamed chats: quiet, spike, quiet. During the spike a scale-up is requested through
 * the admin API, so the report shows time to first token before, during and after scaling (Gatling's
 * "first token quiet-before|spike|quiet-after" plus the exact table in bursty-stream-timings.json) and the
 * scaling operation itself ("scale to N", "scale status", "scale result").
 *
 * <p>Properties (besides the common ones): {@code moesaic.quietRate} (0.5/s), {@code moesaic.spikeRate} (4/s),
 * {@code moesaic.quietSeconds} (60), {@code moesaic.spikeSeconds} (60), {@code moesaic.scaleTo} (4; 0 = leave
 * scaling to the server's autoscaler), {@code moesaic.scaleDelaySeconds} (10, after the spike starts),
 * {@code moesaic.scaleTimeoutSeconds} (180), {@code moesaic.scaleDonePhase} (regex of a successful final
 * phase, default {@code (?i)done|completed?|succeeded|released}), {@code moesaic.scaleFailedPhase}
 * ({@code (?i)failed|rolled_?back|aborted}). Needs {@code moesaic.adminToken} unless scaleTo is 0.
 */
public final class BurstyScaleSimulation extends Simulation {
    private final ChatSteps steps = new ChatSteps(LoadSettings.fromSystemProperties());

    public BurstyScaleSimulation() {
        var settings = steps.settings();
        var p = new LoadSettings.Properties(LoadSettings.Properties.system());
        double quietRate = p.positiveDouble("moesaic.quietRate", 0.5);
        double spikeRate = p.positiveDouble("moesaic.spikeRate", 4.0);
        Duration quiet = p.seconds("moesaic.quietSeconds", 60);
        Duration spike = p.seconds("moesaic.spikeSeconds", 60);
        int scaleTo = p.nonNegativeInt("moesaic.scaleTo", 4);
        Duration scaleDelay = p.seconds("moesaic.scaleDelaySeconds", 10);
        Duration scaleTimeout = p.seconds("moesaic.scaleTimeoutSeconds", 180);
        Pattern done = p.get("moesaic.scaleDonePhase", "(?i)done|completed?|succeeded|released", Pattern::compile);
        Pattern failed = p.get("moesaic.scaleFailedPhase", "(?i)failed|rolled_?back|aborted", Pattern::compile);
        var prompts = new Prompts(19);
        int maxTokens = settings.maxTokens();

        var populations = new ArrayList<PopulationBuilder>();
        populations.add(scenario("quiet before")
                .exec(steps.streamingChat("quiet-before", s -> prompts.prompt(24), maxTokens))
                .injectOpen(constantUsersPerSec(quietRate).during(quiet)));
        populations.add(scenario("spike")
                .exec(steps.streamingChat("spike", s -> prompts.prompt(24), maxTokens))
                .injectOpen(nothingFor(quiet), constantUsersPerSec(spikeRate).during(spike)));
        populations.add(scenario("quiet after")
                .exec(steps.streamingChat("quiet-after", s -> prompts.prompt(24), maxTokens))
                .injectOpen(nothingFor(quiet.plus(spike)), constantUsersPerSec(quietRate).during(quiet)));
        if (scaleTo > 0) {
            String token = settings.adminToken().orElseThrow(() -> new LoadSettingsException(
                    "BurstyScaleSimulation requests a scale-up through /admin/scale: pass -Dmoesaic.adminToken=TOKEN "
                            + "(the server's moesaic.admin-token), or -Dmoesaic.scaleTo=0 to leave scaling to the autoscaler"));
            populations.add(scenario("scale-up")
                    .exec(steps.scaleTo(scaleTo, token, scaleTimeout, done, failed))
                    .injectOpen(nothingFor(quiet.plus(scaleDelay)), atOnceUsers(1)));
        }
        setUp(populations)
                .protocols(steps.protocol())
                .assertions(
                        global().allRequests().count().gt(0L),
                        global().failedRequests().count().is(0L),
                        global().responseTime().percentile(95.0).lt((int) settings.p95Bound().toMillis()));
    }

    @Override
    public void after() {
        steps.timings().report("bursty");
    }
}
