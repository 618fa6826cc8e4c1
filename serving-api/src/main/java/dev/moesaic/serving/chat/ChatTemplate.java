package dev.moesaic.serving.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template (the Jinja text in GGUF's {@code tokenizer.chat_template}) rendered with
 * Jinjava the way Hugging Face renders it: variables {@code messages} (role and content),
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}; the function
 * {@code raise_exception(message)}; {@code trim_blocks} and {@code lstrip_blocks} on; Python's
 * string methods on strings. Models without a template get {@link #FALLBACK}, a ChatML layout.
 */
public final class ChatTemplate {
    /**
     * For models without a template (the built-in models among them): ChatML, one block per message,
     * {@code <|im_start|>ROLE\nCONTENT<|im_end|>\n}, then {@code <|im_start|>assistant\n} to prompt the
     * answer. On vocabularies without ChatML's special tokens the markers are plain text.
     */
    public static final String FALLBACK = """
            {%- for message in messages -%}
            <|im_start|>{{ message['role'] }}
            {{ message['content'] }}<|im_end|>
            {% endfor -%}
            {%- if add_generation_prompt -%}
            <|im_start|>assistant
            {% endif -%}""";

    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private final String source;
    private final boolean fallback;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    private ChatTemplate(String source, boolean fallback, String bosToken, String eosToken) {
        this.source = source;
        this.fallback = fallback;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        JinjavaConfig defaults = JinjavaConfig.newBuilder().build();
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(defaults.getElResolver());
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    }

    /** The model's template, or the fallback when {@code source} is null or blank. */
    public static ChatTemplate of(String source, String bosToken, String eosToken) {
        boolean none = source == null || source.isBlank();
        return new ChatTemplate(expressionWhitespaceControl(none ? FALLBACK : source), none, bosToken, eosToken);
    }

    /**
     * Applies Jinja's {@code {{-} and {@code -}}} whitespace control, which Jinjava only knows for
     * statement tags: the whitespace of the template text before {@code {{-} (after {@code -}}}) is
     * removed and the tag becomes a plain {@code {{}/{@code }}}. Chat templates use these everywhere.
     */
    static String expressionWhitespaceControl(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        while (i < src.length()) {
            if (src.startsWith("{{-", i)) {
                int end = out.length();
                while (end > 0 && Character.isWhitespace(out.charAt(end - 1))) {
                    end--;
                }
                out.setLength(end);
                out.append("{{");
                i += 3;
            } else if (src.startsWith("-}}", i)) {
                out.append("}}");
                i += 3;
                while (i < src.length() && Character.isWhitespace(src.charAt(i))) {
                    i++;
                }
            } else {
                out.append(src.charAt(i++));
            }
        }
        return out.toString();
    }

    public boolean isFallback() {
        return fallback;
    }

    public String source() {
        return source;
    }

    public String bosToken() {
        return bosToken;
    }

    /**
     * The prompt text for {@code messages}.
     *
     * @throws ChatTemplateException with the template's own message when it raises, or what failed
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            list.add(map);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", list);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RAISED.remove();
        RenderResult result;
        try {
            result = jinjava.renderForResult(source, context);
        } finally {
            String raised = RAISED.get();
            RAISED.remove();
            if (raised != null) {
                throw new ChatTemplateException(raised);
            }
        }
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new ChatTemplateException("the model's chat template failed: " + e.getMessage()
                        + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : ""));
            }
        }
        return result.getOutput();
    }

    /** {@code raise_exception(message)} inside a template: the message becomes the client's 400 error. */
    public static String raiseException(String message) {
        RAISED.set(message == null ? "the chat template refused these messages" : message);
        throw new ChatTemplateException(RAISED.get());
    }
}
