package dev.moesaic.serving.openai;

import dev.moesaic.engine.runtime.ChoiceEnd;
import dev.moesaic.engine.runtime.FinishReason;
import dev.moesaic.engine.runtime.TokenLogprob;
import dev.moesaic.engine.runtime.Usage;
import dev.moesaic.engine.tokenizer.Tokenizer;
import dev.moesaic.serving.api.ApiException;
import dev.moesaic.serving.api.ErrorResponses;
import dev.moesaic.serving.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns engine events into OpenAI responses: one JSON object ({@code chat.completion} or
 * {@code text_completion}), or server-sent-event chunks ({@code chat.completion.chunk} /
 * {@code text_completion}) ending with {@code data: [DONE]}.
 */
final class Responder {
    enum Kind { CHAT, TEXT }

    private final Kind kind;
    private final String id;
    private final String model;
    private final long created;
    private final Tokenizer tokenizer;
    private final SamplingOptions options;
    private final int choices;

    Responder(Kind kind, String id, String model, long created, Tokenizer tokenizer, SamplingOptions options, int choices) {
        this.kind = kind;
        this.id = id;
        this.model = model;
        this.created = created;
        this.tokenizer = tokenizer;
        this.options = options;
        this.choices = choices;
    }

    // ---------------------------------------------------------------- streaming

    /** The SSE lines ({@code data: {...}\n\n} each) for a stream of events, ending with {@code data: [DONE]}. */
    Flux<String> sse(Flux<EngineEvent> events) {
        int[] textOffsets = new int[choices];
        Flux<String> opening = kind == Kind.CHAT
                ? Flux.range(0, choices).map(i -> {
                    ObjectNode delta = Json.MAPPER.createObjectNode().put("role", "assistant").put("content", "");
                    return data(chunk(i, delta, null, null));
                })
                : Flux.empty();
        Flux<String> body = events.concatMap(e -> Flux.fromIterable(switch (e) {
            case EngineEvent.Token t -> tokenChunk(t, textOffsets);
            case EngineEvent.End end -> endChunks(end);
            case EngineEvent.Done done -> options.includeUsage() ? List.of(data(usageChunk(done.usage()))) : List.<String>of();
        }));
        return Flux.concat(opening, body, Flux.just("data: [DONE]\n\n"));
    }

    private List<String> tokenChunk(EngineEvent.Token t, int[] textOffsets) {
        String text = t.event().text();
        TokenLogprob lp = t.event().logprob();
        if (text.isEmpty() && lp == null) {
            return List.of();
        }
        ObjectNode logprobs = null;
        if (lp != null) {
            logprobs = kind == Kind.CHAT ? chatLogprobs(List.of(lp)) : textLogprobs(List.of(lp), List.of(textOffsets[t.index()]));
        }
        textOffsets[t.index()] += text.length();
        return List.of(data(chunk(t.index(), content(text), logprobs, null)));
    }

    private List<String> endChunks(EngineEvent.End e) {
        ChoiceEnd end = e.end();
        List<String> out = new ArrayList<>();
        if (end.reason() == FinishReason.ERROR) {
            out.add(data(ErrorResponses.body(ApiException.internal("generating choice " + e.index() + " failed: " + end.error()))));
        }
        if (kind == Kind.CHAT) {
            if (!end.text().isEmpty()) {
                out.add(data(chunk(e.index(), content(end.text()), null, null)));
            }
            out.add(data(chunk(e.index(), Json.MAPPER.createObjectNode(), null, end.reason().openAiName())));
        } else {
            out.add(data(chunk(e.index(), content(end.text()), null, end.reason().openAiName())));
        }
        return out;
    }

    private ObjectNode content(String text) {
        return Json.MAPPER.createObjectNode().put("content", text);
    }

    /** One chunk with one choice: chat puts {@code delta}, text completions put {@code text}. */
    private ObjectNode chunk(int index, ObjectNode delta, ObjectNode logprobs, String finishReason) {
        ObjectNode root = header(kind == Kind.CHAT ? "chat.completion.chunk" : "text_completion");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", index);
        if (kind == Kind.CHAT) {
            choice.set("delta", delta);
        } else {
            choice.put("text", delta.path("content").asString(""));
        }
        choice.set("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        if (options.includeUsage()) {
            root.putNull("usage");
        }
        return root;
    }

    private ObjectNode usageChunk(Usage usage) {
        ObjectNode root = header(kind == Kind.CHAT ? "chat.completion.chunk" : "text_completion");
        root.putArray("choices");
        root.set("usage", usage(usage));
        return root;
    }

    private static String data(ObjectNode node) {
        return "data: " + Json.MAPPER.writeValueAsString(node) + "\n\n";
    }

    // ---------------------------------------------------------------- whole response

    /** Collects every event into one response object; a failed or aborted choice fails the whole response. */
    Mono<ObjectNode> complete(Flux<EngineEvent> events) {
        Choice[] acc = new Choice[choices];
        for (int i = 0; i < choices; i++) {
            acc[i] = new Choice();
        }
        Usage[] usage = new Usage[1];
        return events.doOnNext(e -> {
            switch (e) {
                case EngineEvent.Token t -> {
                    Choice c = acc[t.index()];
                    if (t.event().logprob() != null) {
                        c.logprobs.add(t.event().logprob());
                        c.offsets.add(c.text.length());
                    }
                    c.text.append(t.event().text());
                }
                case EngineEvent.End end -> {
                    Choice c = acc[end.index()];
                    c.text.append(end.end().text());
                    c.end = end.end();
                }
                case EngineEvent.Done d -> usage[0] = d.usage();
            }
        }).then(Mono.fromCallable(() -> response(acc, usage[0])));
    }

    private ObjectNode response(Choice[] acc, Usage usage) {
        for (Choice c : acc) {
            if (c.end == null || usage == null) {
                throw ApiException.unavailable("server_draining", "the server stopped before the completion finished; retry");
            }
            if (c.end.reason() == FinishReason.ERROR) {
                throw ApiException.internal("generating the completion failed: " + c.end.error());
            }
            if (c.end.reason() == FinishReason.ABORT) {
                throw ApiException.unavailable("server_draining", "the server shut down before the completion finished; retry");
            }
        }
        ObjectNode root = header(kind == Kind.CHAT ? "chat.completion" : "text_completion");
        ArrayNode list = root.putArray("choices");
        for (int i = 0; i < acc.length; i++) {
            Choice c = acc[i];
            ObjectNode choice = list.addObject();
            choice.put("index", i);
            if (kind == Kind.CHAT) {
                choice.putObject("message").put("role", "assistant").put("content", c.text.toString());
                choice.set("logprobs", options.topLogprobs() >= 0 ? chatLogprobs(c.logprobs) : null);
            } else {
                choice.put("text", c.text.toString());
                choice.set("logprobs", options.topLogprobs() >= 0 ? textLogprobs(c.logprobs, c.offsets) : null);
            }
            choice.put("finish_reason", c.end.reason().openAiName());
        }
        root.set("usage", usage(usage));
        return root;
    }

    private static final class Choice {
        final StringBuilder text = new StringBuilder();
        final List<TokenLogprob> logprobs = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();
        ChoiceEnd end;
    }

    // ---------------------------------------------------------------- pieces

    private ObjectNode header(String object) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        root.putNull("system_fingerprint");
        return root;
    }

    private static ObjectNode usage(Usage u) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("prompt_tokens", u.promptTokens());
        n.put("completion_tokens", u.completionTokens());
        n.put("total_tokens", u.totalTokens());
        return n;
    }

    /** Chat format: {@code {"content":[{"token","logprob","bytes","top_logprobs":[...]}]}}. */
    private ObjectNode chatLogprobs(List<TokenLogprob> lps) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode content = root.putArray("content");
        for (TokenLogprob lp : lps) {
            ObjectNode entry = tokenEntry(lp.token(), lp.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            for (int k = 0; k < lp.topTokens().length; k++) {
                top.add(tokenEntry(lp.topTokens()[k], lp.topLogprobs()[k]));
            }
            content.add(entry);
        }
        root.putNull("refusal");
        return root;
    }

    private ObjectNode tokenEntry(int token, float logprob) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        byte[] bytes = tokenizer.tokenBytes(token);
        e.put("token", new String(bytes, StandardCharsets.UTF_8));
        e.put("logprob", logprob);
        ArrayNode b = e.putArray("bytes");
        for (byte x : bytes) {
            b.add(x & 0xff);
        }
        return e;
    }

    /** Legacy completions format: parallel arrays tokens, token_logprobs, top_logprobs (token -> logprob), text_offset. */
    private ObjectNode textLogprobs(List<TokenLogprob> lps, List<Integer> offsets) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode tokens = root.putArray("tokens");
        ArrayNode values = root.putArray("token_logprobs");
        ArrayNode tops = root.putArray("top_logprobs");
        ArrayNode textOffset = root.putArray("text_offset");
        for (int i = 0; i < lps.size(); i++) {
            TokenLogprob lp = lps.get(i);
            tokens.add(new String(tokenizer.tokenBytes(lp.token()), StandardCharsets.UTF_8));
            values.add(lp.logprob());
            ObjectNode top = tops.addObject();
            for (int k = 0; k < lp.topTokens().length; k++) {
                top.put(new String(tokenizer.tokenBytes(lp.topTokens()[k]), StandardCharsets.UTF_8), lp.topLogprobs()[k]);
            }
            textOffset.add(offsets.get(i));
        }
        return root;
    }
}
