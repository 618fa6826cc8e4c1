package dev.moesaic.serving.openai;

import dev.moesaic.engine.runtime.GenerationRequest;
import dev.moesaic.engine.runtime.InferenceEngine;
import dev.moesaic.engine.sampler.SamplingParams;
import dev.moesaic.engine.tokenizer.Tokenizer;
import dev.moesaic.serving.MoesaicProperties;
import dev.moesaic.serving.api.ApiException;
import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.chat.ChatTemplateException;
import dev.moesaic.serving.host.ModelHost;
import dev.moesaic.serving.host.ServedModel;
import dev.moesaic.serving.security.Access;
import dev.moesaic.serving.security.AccessLevel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI-compatible API: {@code GET /v1/models}, {@code POST /v1/chat/completions},
 * {@code POST /v1/completions}. A request goes: body (size-limited) -> JSON -> validated request ->
 * prompt tokens (chat template for chats) -> engine requests -> events -> one JSON response, or SSE
 * chunks written and flushed one by one.
 */
@RestController
@Access(AccessLevel.API)
public class OpenAiController {
    private final ModelHost host;
    private final RequestParser parser;
    private final long maxBodyBytes;

    public OpenAiController(ModelHost host, MoesaicProperties properties) {
        this.host = host;
        this.parser = new RequestParser(properties.maxN());
        this.maxBodyBytes = properties.maxBodySize().toBytes();
    }

    @GetMapping("/v1/models")
    public ObjectNode models() {
        ServedModel served = host.ready();
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        root.putArray("data").add(modelEntry(served));
        return root;
    }

    @GetMapping("/v1/models/{id}")
    public ObjectNode model(@PathVariable String id) {
        ServedModel served = host.ready();
        if (!served.id().equals(id)) {
            throw ApiException.modelNotFound(id, served.id());
        }
        return modelEntry(served);
    }

    private static ObjectNode modelEntry(ServedModel served) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", served.id());
        m.put("object", "model");
        m.put("created", served.createdEpochSeconds());
        m.put("owned_by", "moesaic");
        m.put("max_model_len", served.engine().contextLength());
        return m;
    }

    @PostMapping("/v1/chat/completions")
    public Mono<Void> chatCompletions(ServerWebExchange exchange) {
        return body(exchange).flatMap(bytes -> {
            ServedModel served = host.ready();
            ChatRequest request = parser.chat(RequestParser.parseJson(bytes));
            requireModel(request.options(), served);
            String prompt;
            try {
                prompt = served.chatTemplate().render(request.messages(), true);
            } catch (ChatTemplateException e) {
                throw ApiException.invalid("messages", e.getMessage());
            }
            int[] ids = encode(served, prompt);
            String id = "chatcmpl-" + uuid();
            List<GenerationRequest> engineRequests = List.of(engineRequest(id, ids, request.options(), served, "messages"));
            return respond(exchange, Responder.Kind.CHAT, id, served, request.options(), engineRequests);
        });
    }

    @PostMapping("/v1/completions")
    public Mono<Void> completions(ServerWebExchange exchange) {
        return body(exchange).flatMap(bytes -> {
            ServedModel served = host.ready();
            CompletionRequest request = parser.completion(RequestParser.parseJson(bytes));
            requireModel(request.options(), served);
            String id = "cmpl-" + uuid();
            List<GenerationRequest> engineRequests = new ArrayList<>();
            for (int i = 0; i < request.prompts().size(); i++) {
                PromptInput p = request.prompts().get(i);
                int[] ids = p.ids() != null ? checkIds(p.ids(), served) : encode(served, p.text());
                String engineId = request.prompts().size() == 1 ? id : id + "-" + i;
                engineRequests.add(engineRequest(engineId, ids, request.options(), served, "prompt"));
            }
            return respond(exchange, Responder.Kind.TEXT, id, served, request.options(), engineRequests);
        });
    }

    private Mono<Void> respond(ServerWebExchange exchange, Responder.Kind kind, String id, ServedModel served, SamplingOptions options,
                               List<GenerationRequest> engineRequests) {
        int choices = engineRequests.size() * options.n();
        Responder responder = new Responder(kind, id, served.id(), System.currentTimeMillis() / 1000, served.tokenizer(), options,
                choices);
        Flux<EngineEvent> events = GenerationCall.start(served.engine(), engineRequests);
        ServerHttpResponse response = exchange.getResponse();
        if (options.stream()) {
            HttpHeaders h = response.getHeaders();
            h.setContentType(MediaType.TEXT_EVENT_STREAM);
            h.setCacheControl("no-cache");
            h.set("X-Accel-Buffering", "no"); // proxies must pass chunks on at once
            Flux<Mono<DataBuffer>> chunks = responder.sse(events)
                    .map(line -> Mono.just(response.bufferFactory().wrap(line.getBytes(StandardCharsets.UTF_8))));
            return response.writeAndFlushWith(chunks);
        }
        return responder.complete(events).flatMap(json -> {
            response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
            byte[] bytes = Json.MAPPER.writeValueAsString(json).getBytes(StandardCharsets.UTF_8);
            return response.writeWith(Mono.just(response.bufferFactory().wrap(bytes)));
        });
    }

    private GenerationRequest engineRequest(String id, int[] prompt, SamplingOptions o, ServedModel served, String promptParam) {
        InferenceEngine engine = served.engine();
        int maxPrompt = engine.maxPromptTokens();
        if (prompt.length > maxPrompt) {
            throw ApiException.invalid(promptParam, "context_length_exceeded", "the prompt has " + prompt.length
                    + " tokens but this server accepts at most " + maxPrompt + " (the model's context is " + engine.contextLength()
                    + " tokens, one of which the completion needs); shorten the " + promptParam);
        }
        int room = engine.contextLength() - prompt.length;
        int maxTokens = o.maxTokens() == null ? room : o.maxTokens();
        if (maxTokens > room) {
            throw ApiException.invalid("max_tokens", "context_length_exceeded", "this model's maximum context length is "
                    + engine.contextLength() + " tokens; you asked for " + (prompt.length + (long) maxTokens) + " (" + prompt.length
                    + " in the " + promptParam + ", " + maxTokens + " for the completion); lower max_tokens to at most " + room);
        }
        long seed = o.seed() != null ? o.seed() : ThreadLocalRandom.current().nextLong();
        SamplingParams params = new SamplingParams(o.temperature(), o.topP(), o.topK(), seed);
        return new GenerationRequest(id, prompt, maxTokens, params, o.stop(), o.n(), o.topLogprobs(), o.ignoreEos());
    }

    private static void requireModel(SamplingOptions o, ServedModel served) {
        if (!served.id().equals(o.model())) {
            throw ApiException.modelNotFound(o.model(), served.id());
        }
    }

    /** Prompt text to ids: control tokens written in the text (template markers) become tokens; BOS once. */
    private static int[] encode(ServedModel served, String text) {
        Tokenizer t = served.tokenizer();
        String bos = served.chatTemplate().bosToken();
        boolean hasBos = !bos.isEmpty() && text.startsWith(bos);
        int[] ids = t.encode(text, !hasBos, true);
        if (ids.length == 0) {
            throw ApiException.invalid("prompt", "the prompt is empty after tokenization; give some text");
        }
        return ids;
    }

    private static int[] checkIds(int[] ids, ServedModel served) {
        int vocab = served.model().config().vocabSize();
        for (int id : ids) {
            if (id >= vocab) {
                throw ApiException.invalid("prompt", "token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        return ids;
    }

    /** The whole body, at most {@code moesaic.max-body-size} bytes (more is a 413), empty bytes for no body. */
    private Mono<byte[]> body(ServerWebExchange exchange) {
        return DataBufferUtils.join(exchange.getRequest().getBody(), (int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .defaultIfEmpty(new byte[0])
                // parsing, templating and tokenizing a large prompt must not hold up the network threads
                .publishOn(Schedulers.boundedElastic());
    }

    private static String uuid() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
