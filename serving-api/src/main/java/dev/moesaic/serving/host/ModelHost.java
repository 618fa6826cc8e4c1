package dev.moesaic.serving.host;

import dev.moesaic.engine.elastic.Autoscaler;
import dev.moesaic.engine.elastic.ElasticEngine;
import dev.moesaic.engine.elastic.ScaleController;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.runtime.EngineConfig;
import dev.moesaic.engine.runtime.EngineLoop;
import dev.moesaic.engine.runtime.InferenceEngine;
import dev.moesaic.engine.runtime.KvCacheManager;
import dev.moesaic.engine.tokenizer.Tokenizer;
import dev.moesaic.serving.MoesaicProperties;
import dev.moesaic.serving.api.ApiException;
import dev.moesaic.serving.chat.ChatTemplate;
import dev.moesaic.serving.ops.EngineMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Owns the model and its engine for the server's lifetime. Loading runs in the background once the
 * application starts, so /health answers at once and /ready turns 200 when the model is in memory.
 * On shutdown (SIGTERM) it stops first of all beans: /ready and new requests get 503, running
 * requests may finish for up to {@code moesaic.drain-timeout}, then the rest is aborted and
 * everything is closed.
 */
@Component
public final class ModelHost implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(ModelHost.class);
    /** KV block size in token positions. */
    public static final int KV_BLOCK_TOKENS = 16;

    private final MoesaicProperties properties;
    private final EngineMetrics metrics;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private volatile ServerState state = ServerState.LOADING;
    private volatile String failure;
    private volatile ServedModel served;
    private volatile boolean running;
    private LoadedModel model;
    private ElasticEngine elastic;
    private Autoscaler autoscaler;
    private KvCacheManager kv;
    private EngineLoop loop;

    public ModelHost(MoesaicProperties properties, EngineMetrics metrics) {
        this.properties = properties;
        this.metrics = metrics;
        validate(properties);
    }

    /** Settings that cannot work are refused before anything starts. */
    static void validate(MoesaicProperties p) {
        if (p.devices() < 1 || p.devices() > p.maxDevices()) {
            throw new IllegalArgumentException("moesaic.devices=" + p.devices() + " must be between 1 and moesaic.max-devices="
                    + p.maxDevices());
        }
        if (p.redundantExperts() < 0) {
            throw new IllegalArgumentException("moesaic.redundant-experts must be >= 0, got " + p.redundantExperts());
        }
        if (!p.autoscale().isBlank()) {
            Autoscaler.Policy policy = autoscalePolicy(p);
            if (policy.max() > p.maxDevices()) {
                throw new IllegalArgumentException("moesaic.autoscale=" + p.autoscale() + " goes beyond moesaic.max-devices="
                        + p.maxDevices());
            }
        }
        if (p.maxWaiting() < 1 || p.maxRunning() < 1 || p.tokenBudget() < p.maxRunning()) {
            throw new IllegalArgumentException("need moesaic.max-waiting >= 1 and 1 <= moesaic.max-running <= "
                    + "moesaic.token-budget; got " + p.maxWaiting() + ", " + p.maxRunning() + ", " + p.tokenBudget());
        }
        if (p.maxN() < 1) {
            throw new IllegalArgumentException("moesaic.max-n must be >= 1, got " + p.maxN());
        }
    }

    @Override
    public void start() {
        running = true;
        Thread.ofPlatform().name("moesaic-model-loader").daemon(true).start(this::load);
    }

    private void load() {
        try {
            long t0 = System.nanoTime();
            String tok = properties.tokenizer().isBlank() ? null : properties.tokenizer();
            model = Models.open(properties.model(), tok == null ? null : Path.of(tok), System.err);
            Tokenizer tokenizer = model.tokenizer();
            if (tokenizer == null) {
                throw new IllegalArgumentException(model.id() + " has no vocabulary: pass --tokenizer (the llama2.c tok512.bin)");
            }
            elastic = ElasticEngine.start(model, new ElasticEngine.Options(properties.devices(), properties.threads(), KV_BLOCK_TOKENS,
                    properties.kvCacheMemory().toBytes(),
                    new EngineConfig(properties.tokenBudget(), properties.maxRunning(), properties.maxWaiting()),
                    new ScaleController.Options(properties.maxDevices(), properties.redundantExperts(), 0,
                            properties.copyBandwidth().toBytes()).withDrainTimeout(properties.drainTimeout())), metrics);
            InferenceEngine engine = elastic.engine();
            loop = elastic.loop();
            kv = elastic.kvCache();
            if (elastic.controller() != null && !properties.autoscale().isBlank()) {
                autoscaler = new Autoscaler(elastic.controller(), metrics::autoscalerSignals, autoscalePolicy(properties),
                        metrics::autoscalerDecision);
                autoscaler.start();
            }
            ChatTemplate template = ChatTemplate.of(model.chatTemplate(), tokenText(tokenizer, tokenizer.bos()),
                    tokenText(tokenizer, tokenizer.eos()));
            served = new ServedModel(properties.modelId(), model, engine, template, System.currentTimeMillis() / 1000);
            metrics.bind(elastic);
            if (state == ServerState.LOADING) {
                state = ServerState.READY;
            }
            LOG.info("serving {} ({} KV blocks of {} tokens, chat template: {}) after {} ms", served.id(), kv.totalBlocks(),
                    KV_BLOCK_TOKENS, template.isFallback() ? "built-in ChatML fallback" : "the model's",
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException | OutOfMemoryError e) {
            failure = "loading " + properties.model() + " failed: " + e.getMessage();
            state = ServerState.FAILED;
            LOG.error(failure, e);
        } finally {
            loaded.countDown();
        }
    }

    static Autoscaler.Policy autoscalePolicy(MoesaicProperties p) {
        return Autoscaler.Policy.parse(p.autoscale(), p.autoscaleItlTarget().toMillis());
    }

    /** The elastic engine (devices, scale controller) once loaded, or null. */
    public ElasticEngine elasticOrNull() {
        return elastic;
    }

    private static String tokenText(Tokenizer t, int id) {
        return id < 0 ? "" : new String(t.tokenBytes(id), StandardCharsets.UTF_8);
    }

    public ServerState state() {
        return state;
    }

    /** Why loading failed, or null. */
    public String failure() {
        return failure;
    }

    /** Waits until loading has finished (or failed); true if the model is ready. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && state == ServerState.READY;
    }

    /** The model, or a 503 saying why there is none to serve right now. */
    public ServedModel ready() {
        ServedModel s = served;
        return switch (state) {
            case READY -> s;
            case LOADING -> throw ApiException.unavailable("model_loading", "the model " + properties.modelId()
                    + " is still loading; retry in a few seconds (GET /ready turns 200 when it can serve)");
            case DRAINING, STOPPED -> throw ApiException.unavailable("server_draining",
                    "the server is shutting down and accepts no new requests; send it to another replica");
            case FAILED -> throw ApiException.unavailable("model_failed", "the model could not be loaded: " + failure);
        };
    }

    /** The model once loaded, whatever the state (for metrics and admin), or null. */
    public ServedModel servedOrNull() {
        return served;
    }

    // ---- shutdown: drain before the web server stops

    @Override
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        state = ServerState.DRAINING;
        EngineLoop l = loop;
        if (l != null) {
            try {
                boolean drained = l.drain("the server is shutting down and accepts no new requests; send it to another replica",
                        properties.drainTimeout());
                LOG.info(drained ? "drained: every running request finished" : "drain timeout ({}) reached: remaining requests aborted",
                        properties.drainTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (autoscaler != null) {
            autoscaler.close();
        }
        if (elastic != null) {
            elastic.close();
        }
        if (model != null) {
            model.close();
        }
        state = ServerState.STOPPED;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before every other lifecycle bean (the web server among them), so streams drain while the port still answers. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
