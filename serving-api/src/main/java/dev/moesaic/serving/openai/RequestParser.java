package dev.moesaic.serving.openai;

import dev.moesaic.engine.runtime.GenerationRequest;
import dev.moesaic.serving.api.ApiException;
import dev.moesaic.serving.api.Json;
import dev.moesaic.serving.chat.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads OpenAI request bodies into validated requests. Every problem is a 400 naming the field.
 * Unknown fields are ignored (clients send extras), known fields of the wrong type are not, and
 * OpenAI features Moesaic does not implement are refused rather than silently dropped.
 */
final class RequestParser {
    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    static final int MAX_STOP_STRINGS = 4;
    static final int MAX_COMPLETION_LOGPROBS = 5;

    private final int maxN;

    RequestParser(int maxN) {
        this.maxN = maxN;
    }

    /** The body as a JSON object, or a 400 saying what is wrong with it. */
    static JsonNode parseJson(byte[] body) {
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            throw ApiException.invalid(null, "the request body is empty; send a JSON object");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON (" + jsonProblem(e) + "); send one JSON object");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object, got " + (root == null ? "nothing"
                    : Fields.describe(root)));
        }
        return root;
    }

    /** Jackson's description of a syntax error without its source dump, plus where it is. */
    private static String jsonProblem(JacksonException e) {
        String m = String.valueOf(e.getOriginalMessage());
        for (String cut : new String[] {" (start marker", "\n at [Source", " at [Source", "\n"}) {
            int at = m.indexOf(cut);
            if (at > 0) {
                m = m.substring(0, at);
            }
        }
        if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
            m += " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        }
        return m;
    }

    ChatRequest chat(JsonNode root) {
        Fields f = new Fields(root);
        refuseUnsupported(f, "tools", "functions", "audio", "prediction");
        SamplingOptions options = options(f, true);
        JsonNode messages = f.node("messages");
        if (messages == null) {
            throw ApiException.invalid("messages", "'messages' is required: a non-empty array of {role, content}");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array of {role, content}, got "
                    + (messages.isArray() ? "an empty array" : Fields.describe(messages)));
        }
        List<ChatMessage> list = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            list.add(message(messages.get(i), "messages[" + i + "]"));
        }
        return new ChatRequest(options, list);
    }

    CompletionRequest completion(JsonNode root) {
        Fields f = new Fields(root);
        refuseUnsupported(f, "suffix");
        if (Boolean.TRUE.equals(f.bool("echo"))) {
            throw ApiException.invalid("echo", "'echo' is not supported; leave it out or false");
        }
        Long bestOf = f.integer("best_of", 1, maxN);
        if (bestOf != null && bestOf != 1) {
            throw ApiException.invalid("best_of", "'best_of' other than 1 is not supported; use n");
        }
        SamplingOptions options = options(f, false);
        return new CompletionRequest(options, prompts(f.node("prompt")));
    }

    private SamplingOptions options(Fields f, boolean chat) {
        String model = f.requiredString("model");
        Long maxTokens = f.integer("max_tokens", 1, Integer.MAX_VALUE);
        if (chat) {
            Long mct = f.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
            if (mct != null) {
                maxTokens = mct; // the newer name wins
            }
        }
        Double temperature = f.number("temperature", 0, 2, false);
        Double topP = f.number("top_p", 0, 1, true);
        Long topK = f.integer("top_k", -1, Integer.MAX_VALUE);
        Long seed = f.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        Long n = f.integer("n", 1, maxN);
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        boolean includeUsage = false;
        JsonNode so = f.node("stream_options");
        if (so != null) {
            if (!so.isObject()) {
                throw ApiException.invalid("stream_options", "'stream_options' must be an object like {\"include_usage\": true}, got "
                        + Fields.describe(so));
            }
            if (!stream) {
                throw ApiException.invalid("stream_options", "'stream_options' is only allowed with \"stream\": true");
            }
            Boolean iu = new Fields(so).bool("include_usage");
            includeUsage = Boolean.TRUE.equals(iu);
        }
        List<String> stop = stop(f.node("stop"));
        f.string("user"); // accepted for OpenAI compatibility; only its type is checked
        int topLogprobs = chat ? chatLogprobs(f) : completionLogprobs(f);
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            Double v = f.number(penalty, -2, 2, false);
            if (v != null && v != 0) {
                throw ApiException.invalid(penalty, "'" + penalty + "' is not supported; leave it out or 0");
            }
        }
        JsonNode logitBias = f.node("logit_bias");
        if (logitBias != null && !(logitBias.isObject() && logitBias.isEmpty())) {
            throw ApiException.invalid("logit_bias", "'logit_bias' is not supported; leave it out");
        }
        JsonNode format = f.node("response_format");
        if (format != null && !(format.isObject() && "text".equals(format.path("type").asString(null)))) {
            throw ApiException.invalid("response_format", "only {\"type\": \"text\"} is supported as response_format");
        }
        boolean ignoreEos = Boolean.TRUE.equals(f.bool("ignore_eos"));
        return new SamplingOptions(model, maxTokens == null ? null : maxTokens.intValue(),
                temperature == null ? 1f : temperature.floatValue(), topP == null ? 1f : topP.floatValue(),
                topK == null || topK < 0 ? 0 : topK.intValue(), seed, stop, n == null ? 1 : n.intValue(), stream, includeUsage,
                topLogprobs, ignoreEos);
    }

    private static int chatLogprobs(Fields f) {
        boolean logprobs = Boolean.TRUE.equals(f.bool("logprobs"));
        Long top = f.integer("top_logprobs", 0, GenerationRequest.MAX_TOP_LOGPROBS);
        if (top != null && !logprobs) {
            throw ApiException.invalid("top_logprobs", "'top_logprobs' needs \"logprobs\": true");
        }
        return logprobs ? (top == null ? 0 : top.intValue()) : -1;
    }

    private static int completionLogprobs(Fields f) {
        Long lp = f.integer("logprobs", 0, MAX_COMPLETION_LOGPROBS);
        return lp == null ? -1 : lp.intValue();
    }

    private static List<String> stop(JsonNode stop) {
        if (stop == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (stop.isString()) {
            out.add(stop.stringValue());
        } else if (stop.isArray()) {
            if (stop.size() > MAX_STOP_STRINGS) {
                throw ApiException.invalid("stop", "'stop' takes at most " + MAX_STOP_STRINGS + " strings, got " + stop.size());
            }
            for (JsonNode s : stop) {
                if (!s.isString()) {
                    throw ApiException.invalid("stop", "'stop' must be a string or an array of strings, found "
                            + Fields.describe(s) + " in the array");
                }
                out.add(s.stringValue());
            }
        } else {
            throw ApiException.invalid("stop", "'stop' must be a string or an array of strings, got " + Fields.describe(stop));
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw ApiException.invalid("stop", "stop strings must not be empty");
            }
        }
        return List.copyOf(out);
    }

    private static ChatMessage message(JsonNode m, String where) {
        if (!m.isObject()) {
            throw ApiException.invalid(where, where + " must be an object {role, content}, got " + Fields.describe(m));
        }
        Fields f = new Fields(m);
        String role;
        try {
            role = f.requiredString("role");
        } catch (ApiException e) {
            throw ApiException.invalid(where + ".role", where + ".role must be one of " + ROLES + " (" + e.getMessage() + ")");
        }
        if (!ROLES.contains(role)) {
            throw ApiException.invalid(where + ".role", where + ".role must be one of " + ROLES + ", got '" + role + "'");
        }
        JsonNode content = f.node("content");
        String text;
        if (content == null) {
            if (!role.equals("assistant")) {
                throw ApiException.invalid(where + ".content", where + ".content is required for role '" + role + "'");
            }
            text = "";
        } else if (content.isString()) {
            text = content.stringValue();
        } else if (content.isArray()) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                String pw = where + ".content[" + i + "]";
                if (!part.isObject() || !"text".equals(part.path("type").asString(null)) || !part.path("text").isString()) {
                    throw ApiException.invalid(pw, pw + " must be {\"type\": \"text\", \"text\": \"...\"}; "
                            + "only text content is supported");
                }
                b.append(part.get("text").stringValue());
            }
            text = b.toString();
        } else {
            throw ApiException.invalid(where + ".content", where + ".content must be a string or an array of text parts, got "
                    + Fields.describe(content));
        }
        return new ChatMessage(role, text);
    }

    private static List<PromptInput> prompts(JsonNode p) {
        if (p == null) {
            throw ApiException.invalid("prompt", "'prompt' is required: a string, an array of strings, an array of token ids "
                    + "or an array of such arrays");
        }
        if (p.isString()) {
            return List.of(new PromptInput(p.stringValue(), null));
        }
        if (!p.isArray() || p.isEmpty()) {
            throw ApiException.invalid("prompt", "'prompt' must be a string or a non-empty array, got "
                    + (p.isArray() ? "an empty array" : Fields.describe(p)));
        }
        if (p.get(0).isNumber()) {
            return List.of(new PromptInput(null, ids(p, "prompt")));
        }
        List<PromptInput> out = new ArrayList<>();
        for (int i = 0; i < p.size(); i++) {
            JsonNode e = p.get(i);
            if (e.isString()) {
                out.add(new PromptInput(e.stringValue(), null));
            } else if (e.isArray() && !e.isEmpty()) {
                out.add(new PromptInput(null, ids(e, "prompt[" + i + "]")));
            } else {
                throw ApiException.invalid("prompt", "prompt[" + i + "] must be a string or a non-empty array of token ids, got "
                        + (e.isArray() ? "an empty array" : Fields.describe(e)));
            }
        }
        return out;
    }

    private static int[] ids(JsonNode array, String where) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode e = array.get(i);
            if (!e.isNumber() || !e.canConvertToExactIntegral() || !e.canConvertToInt() || e.intValue() < 0) {
                throw ApiException.invalid("prompt", where + "[" + i + "] must be a token id (a non-negative integer), got "
                        + Fields.describe(e));
            }
            ids[i] = e.intValue();
        }
        return ids;
    }

    private static void refuseUnsupported(Fields f, String... names) {
        for (String name : names) {
            JsonNode n = f.node(name);
            if (n != null && !(n.isArray() && n.isEmpty())) {
                throw ApiException.invalid(name, "'" + name + "' is not supported by this server; leave it out");
            }
        }
    }
}
