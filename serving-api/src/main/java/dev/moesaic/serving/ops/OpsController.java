package dev.moesaic.serving.ops;

import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.host.ModelHost;
import dev.moesaic.serving.host.ServerState;
import dev.moesaic.serving.security.Access;
import dev.moesaic.serving.security.AccessLevel;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.ObjectNode;

/** Liveness, readiness and Prometheus metrics: what Kubernetes and Prometheus call. */
@RestController
public class OpsController {
    private static final MediaType PROMETHEUS_TEXT = MediaType.parseMediaType("text/plain; version=0.0.4; charset=utf-8");

    private final ModelHost host;
    private final PrometheusMeterRegistry registry;
    private final EngineMetrics metrics;

    public OpsController(ModelHost host, PrometheusMeterRegistry registry, EngineMetrics metrics) {
        this.host = host;
        this.registry = registry;
        this.metrics = metrics;
    }

    /** Liveness: 200 while the process serves HTTP, 503 only when the model failed to load (a restart may help). */
    @Access(AccessLevel.PUBLIC)
    @GetMapping("/health")
    public ResponseEntity<String> health() {
        boolean failed = host.state() == ServerState.FAILED;
        return json(failed ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK);
    }

    /** Readiness: 200 when the model is loaded and the server is not draining, else 503. */
    @Access(AccessLevel.PUBLIC)
    @GetMapping("/ready")
    public ResponseEntity<String> ready() {
        return json(host.state() == ServerState.READY ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    }

    @Access(AccessLevel.METRICS)
    @GetMapping("/metrics")
    public ResponseEntity<String> metrics() {
        metrics.refresh();
        return ResponseEntity.ok().contentType(PROMETHEUS_TEXT).body(registry.scrape());
    }

    private ResponseEntity<String> json(HttpStatus status) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", host.state().name().toLowerCase(java.util.Locale.ROOT));
        if (host.failure() != null) {
            body.put("error", host.failure());
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(Json.MAPPER.writeValueAsString(body));
    }
}
