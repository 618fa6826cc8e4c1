package dev.moesaic.serving.admin;

import dev.moesaic.engine.device.Device;
import dev.moesaic.engine.elastic.ElasticEngine;
import dev.moesaic.engine.elastic.ScaleController;
import dev.moesaic.engine.elastic.ScaleInProgressException;
import dev.moesaic.engine.elastic.ScaleStatus;
import dev.moesaic.engine.runtime.EngineStats;
import dev.moesaic.router.placement.LayerPlacement;
import dev.moesaic.router.placement.Placement;
import dev.moesaic.serving.api.ApiException;
import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.host.ModelHost;
import dev.moesaic.serving.host.ServedModel;
import dev.moesaic.serving.security.Access;
import dev.moesaic.serving.security.AccessLevel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The admin API under {@code /admin} (admin token required, see AccessFilter): the engine's state,
 * elastic scaling ({@code POST /admin/scale}, {@code GET /admin/scale/{id}}), the expert placement,
 * EPLB rebalancing, and a device-failure test hook.
 */
@RestController
@Access(AccessLevel.ADMIN)
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
                Map.entry("devices", host.elasticOrNull() == null ? 1 : host.elasticOrNull().deviceCount()),
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

    /** Starts scaling to {@code {"devices": N}}; 202 with the operation's id, 409 while another runs. */
    @PostMapping("/scale")
    public ResponseEntity<Map<String, Object>> scale(@RequestBody(required = false) String body) {
        int devices = devicesFrom(body);
        ScaleController c = controller();
        try {
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(view(c.requestScale(devices)));
        } catch (ScaleInProgressException e) {
            throw ApiException.conflict("scale_in_progress", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("devices", e.getMessage());
        }
    }

    @GetMapping("/scale")
    public Map<String, Object> operations() {
        List<Map<String, Object>> ops = controller().history().stream().map(AdminController::view).toList();
        return Map.of("operations", ops);
    }

    @GetMapping("/scale/{id}")
    public Map<String, Object> operation(@PathVariable String id) {
        ScaleStatus s = controller().status(id);
        if (s == null) {
            throw ApiException.notFound("no scaling operation '" + id + "' (GET /admin/scale lists the recent ones)");
        }
        return view(s);
    }

    /** Runs the EPLB planner on the observed expert loads now, moving as few experts as it can. */
    @PostMapping("/rebalance")
    public ResponseEntity<Map<String, Object>> rebalance() {
        try {
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(view(controller().requestRebalance()));
        } catch (ScaleInProgressException e) {
            throw ApiException.conflict("scale_in_progress", e.getMessage());
        }
    }

    /** Test hook: the device disappears without warning; its experts and sequences are re-homed. */
    @PostMapping("/devices/{id}/fail")
    public ResponseEntity<Map<String, Object>> fail(@PathVariable String id) {
        int deviceId;
        try {
            deviceId = Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw ApiException.invalid("id", "device id must be an integer (see GET /admin/placement), got '" + id + "'");
        }
        try {
            if (!controller().failDevice(deviceId)) {
                throw ApiException.notFound("no live device " + deviceId + " (GET /admin/placement lists them)");
            }
        } catch (IllegalStateException e) {
            throw ApiException.conflict("last_device", e.getMessage());
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("device", deviceId, "failed", true));
    }

    /** Where every expert lives now: devices in placement order, each with the experts it holds per MoE layer. */
    @GetMapping("/placement")
    public Map<String, Object> placement() {
        ScaleController c = controller();
        Placement p = c.placement();
        List<Device> devices = c.devices();
        List<Map<String, Object>> ds = new ArrayList<>();
        for (int d = 0; d < devices.size() && d < p.deviceCount(); d++) {
            Device device = devices.get(d);
            List<List<Integer>> layers = new ArrayList<>();
            for (int l = 0; l < p.layerCount(); l++) {
                LayerPlacement lp = p.layer(l);
                List<Integer> experts = new ArrayList<>();
                for (int s = 0; s < lp.slotsPerDevice(); s++) {
                    int e = lp.expertAt(d, s);
                    if (e != LayerPlacement.EMPTY) {
                        experts.add(e);
                    }
                }
                layers.add(experts);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", device.id());
            m.put("name", device.name());
            m.put("failed", device.isFailed());
            m.put("kv_used_blocks", device.kv().usedBlocks());
            m.put("pool_used_bytes", device.pool().usedBytes());
            m.put("expert_tokens", device.expertTokens());
            m.put("experts", layers);
            ds.add(m);
        }
        return Map.of("epoch", p.epoch(), "moe_layers", p.layerCount(), "experts_per_layer", p.expertCount(), "devices", ds);
    }

    private ScaleController controller() {
        ElasticEngine e = host.elasticOrNull();
        if (e == null) {
            throw ApiException.unavailable("model_loading", "no engine yet: the model is " + host.state().name().toLowerCase());
        }
        if (e.controller() == null) {
            throw ApiException.invalid(null, "dense_model", e.model().id() + " is a dense model: it has no experts to place or scale");
        }
        return e.controller();
    }

    private static int devicesFrom(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.invalid("devices", "send a JSON body like {\"devices\": 2}");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (RuntimeException e) {
            throw ApiException.invalid(null, "the body is not valid JSON; send {\"devices\": N}");
        }
        JsonNode devices = node == null ? null : node.get("devices");
        if (devices == null || !devices.isIntegralNumber() || !devices.canConvertToInt()) {
            throw ApiException.invalid("devices", "'devices' must be an integer, e.g. {\"devices\": 2}");
        }
        return devices.asInt();
    }

    static Map<String, Object> view(ScaleStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("kind", s.kind());
        m.put("from", s.fromDevices());
        m.put("to", s.toDevices());
        m.put("phase", s.phase().name().toLowerCase());
        Map<String, Long> phases = new LinkedHashMap<>();
        s.phaseMillis().forEach((k, v) -> phases.put(k.name().toLowerCase(), v));
        m.put("phase_millis", phases);
        m.put("bytes_moved", s.bytesMoved());
        m.put("experts_moved", s.expertsMoved());
        m.put("steady_expert_bytes", s.steadyExpertBytes());
        m.put("peak_expert_bytes", s.peakExpertBytes());
        m.put("serving_millis", s.servingMillis());
        m.put("total_millis", s.totalMillis());
        m.put("epoch", s.epoch());
        if (s.error() != null) {
            m.put("error", s.error());
        }
        return m;
    }
}
