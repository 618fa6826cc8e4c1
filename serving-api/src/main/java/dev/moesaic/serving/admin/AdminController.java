package dev.moesaic.serving.admin;

import dev.moesaic.engine.runtime.EngineStats;
import dev.moesaic.serving.api.ApiException;
import dev.moesaic.serving.host.ModelHost;
import dev.moesaic.serving.host.ServedModel;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The admin API under {@code /admin} (admin token required, see AccessFilter). Scaling operations
 * ({@code /admin/scale}, {@code /admin/placement}, ...) join here with the elastic-scaling work.
 */
@RestController
@RequestMapping("/admin")
public class AdminController {
    private final ModelHost host;

    public AdminController(ModelHost host) {
        this.host = host;
    }

    /** The engine's scheduler and KV-cache state right now. */
    @GetMapping("/engine")
    public Map<String, Object> engine() {
        ServedModel served = host.servedOrNull();
        if (served == null) {
            throw ApiException.unavailable("model_loading", "no engine yet: the model is " + host.state().name().toLowerCase());
        }
        EngineStats s = served.engine().stats();
        return Map.ofEntries(
                Map.entry("state", host.state().name().toLowerCase()),
                Map.entry("model", served.id()),
                Map.entry("running_sequences", s.runningSequences()),
                Map.entry("waiting_sequences", s.waitingSequences()),
                Map.entry("waiting_requests", s.waitingRequests()),
                Map.entry("kv_usage", s.kvUsage()),
                Map.entry("kv_used_blocks", s.kvUsedBlocks()),
                Map.entry("kv_free_blocks", s.kvFreeBlocks()),
                Map.entry("kv_total_blocks", s.kvTotalBlocks()),
                Map.entry("prompt_tokens", s.promptTokens()),
                Map.entry("generation_tokens", s.generationTokens()),
                Map.entry("iterations", s.iterations()),
                Map.entry("preemptions", s.preemptions()));
    }
}
