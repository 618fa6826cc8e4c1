package dev.moesaic.serving;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The server's settings ({@code moesaic.*}; environment variables by relaxed binding, e.g.
 * {@code MOESAIC_MAX_WAITING}). docs/SERVING.md lists them.
 *
 * @param model           {@code builtin:NAME[:TYPE]} or a model file (GGUF, llama2.c .bin)
 * @param tokenizer       the llama2.c tokenizer file for a llama2.c checkpoint, else empty
 * @param servedModelName the id clients put in {@code "model"}; empty = the model spec as given
 * @param devices         devices the model runs on
 * @param autoscale       "" (off) or "min,max" devices for the device autoscaler
 * @param apiKeys         accepted API keys ({@code Authorization: Bearer KEY}); empty = no authentication
 * @param adminToken      the bearer token of {@code /admin/**}; empty = the admin API is disabled
 * @param metricsRequireKey {@code /metrics} needs an API key too (when keys are configured)
 * @param drainTimeout    on SIGTERM: how long running requests may take to finish before they are aborted
 * @param maxWaiting      requests accepted but not yet running at most; beyond, 429 with Retry-After
 * @param maxRunning      sequences in the running batch at most
 * @param tokenBudget     tokens per engine iteration (decodes plus prompt chunks)
 * @param kvCacheMemory   memory for the paged KV cache, per device
 * @param maxBodySize     request bodies larger than this get 413
 * @param maxN            the largest {@code n} (choices per request) accepted
 * @param threads         kernel threads (0 = one per core)
 * @param maxDevices      the most devices scaling may reach
 * @param redundantExperts extra expert replicas per MoE layer (ALF-LB balances tokens over replicas)
 * @param copyBandwidth   bytes per second of the emulated device-to-device link; 0 = unlimited
 * @param autoscaleItlTarget the inter-token latency the autoscaler keeps (p50)
 */
@ConfigurationProperties("moesaic")
public record MoesaicProperties(
        @DefaultValue("builtin:tiny-moe") String model,
        @DefaultValue("") String tokenizer,
        @DefaultValue("") String servedModelName,
        @DefaultValue("1") int devices,
        @DefaultValue("") String autoscale,
        @DefaultValue("") List<String> apiKeys,
        @DefaultValue("") String adminToken,
        @DefaultValue("false") boolean metricsRequireKey,
        @DefaultValue("30s") Duration drainTimeout,
        @DefaultValue("256") int maxWaiting,
        @DefaultValue("256") int maxRunning,
        @DefaultValue("512") int tokenBudget,
        @DefaultValue("512MB") DataSize kvCacheMemory,
        @DefaultValue("4MB") DataSize maxBodySize,
        @DefaultValue("16") int maxN,
        @DefaultValue("0") int threads,
        @DefaultValue("8") int maxDevices,
        @DefaultValue("0") int redundantExperts,
        @DefaultValue("0") DataSize copyBandwidth,
        @DefaultValue("100ms") Duration autoscaleItlTarget) {

    /** The model id of {@code /v1/models} and the {@code model} field. */
    public String modelId() {
        return servedModelName.isBlank() ? model.trim() : servedModelName.trim();
    }

    /** API keys with blanks removed (an empty MOESAIC_API_KEYS means no keys). */
    public List<String> keys() {
        return apiKeys.stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
    }
}
