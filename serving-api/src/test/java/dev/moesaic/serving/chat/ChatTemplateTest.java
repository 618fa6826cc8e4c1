package dev.moesaic.serving.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Chat templates written the way Hugging Face models write them, rendered by Jinjava. */
class ChatTemplateTest {
    private static final List<ChatMessage> CHAT = List.of(
            new ChatMessage("system", "  Be brief.  "),
            new ChatMessage("user", "Hi!"),
            new ChatMessage("assistant", "Hello."),
            new ChatMessage("user", "Bye"));

    @Test
    void fallbackIsChatMlWithTheGenerationPrompt() {
        ChatTemplate t = ChatTemplate.of(null, "<s>", "</s>");
        assertThat(t.isFallback()).isTrue();
        assertThat(t.render(List.of(new ChatMessage("user", "Hi")), true))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.render(List.of(new ChatMessage("user", "Hi")), false)).isEqualTo("<|im_start|>user\nHi<|im_end|>\n");
    }

    @Test
    void llamaStyleTemplateWithBosLoopControlsAndStrip() {
        String llama = """
                {{- bos_token }}
                {%- for message in messages %}
                    {%- if loop.first and message['role'] == 'system' %}
                        {{- '[SYS]' + message['content'].strip() + '[/SYS]' }}
                    {%- elif message['role'] == 'user' %}
                        {{- '[INST] ' + message['content'] | trim + ' [/INST]' }}
                    {%- elif message['role'] == 'assistant' %}
                        {{- ' ' + message['content'] + eos_token }}
                    {%- endif %}
                    {%- if loop.last %}<{{ loop.index }}>{% endif %}
                {%- endfor %}""";
        String out = ChatTemplate.of(llama, "<s>", "</s>").render(CHAT, true);
        assertThat(out).isEqualTo("<s>[SYS]Be brief.[/SYS][INST] Hi! [/INST] Hello.</s>[INST] Bye [/INST]<4>");
    }

    @Test
    void pythonStringMethodsNamespacesAndRaiseException() {
        String t = """
                {%- set ns = namespace(system=false) %}
                {%- for m in messages %}
                    {%- if m.role.startswith('sys') %}{% set ns.system = true %}{% endif %}
                    {%- if m.role not in ['system', 'user', 'assistant'] %}{{ raise_exception('unknown role ' + m.role) }}{% endif %}
                {%- endfor %}
                {{- ns.system }}|{{ 'a,b,,c'.split(',') | length }}|{{ '-'.join(['x', 'y']) }}|{{ 'Hi'.upper() }}{{ 'Hi'.lower() }}
                {{- '|' + 'xxhixx'.lstrip('x') + '|' + '  pad'.lstrip() + '|' + 'abc'.endswith(('z', 'c')) | string }}""";
        ChatTemplate template = ChatTemplate.of(t, "", "");
        assertThat(template.render(CHAT, false)).isEqualTo("true|4|x-y|HIhi|hixx|pad|true");
        assertThatThrownBy(() -> template.render(List.of(new ChatMessage("robot", "x")), false))
                .isInstanceOf(ChatTemplateException.class).hasMessage("unknown role robot");
    }

    @Test
    void templateRaisingOnAlternationGivesItsOwnMessage() {
        String strict = """
                {%- for message in messages %}
                {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
                {%- endif %}
                {{- message['content'] }}
                {%- endfor %}""";
        assertThatThrownBy(() -> ChatTemplate.of(strict, "", "").render(CHAT, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
    }

    @Test
    void brokenTemplateIsATemplateErrorNotACrash() {
        assertThatThrownBy(() -> ChatTemplate.of("{{ messages[0].content.nosuchmethod() }}", "", "").render(CHAT, true))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("chat template failed");
    }
}
