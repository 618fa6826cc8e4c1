package dev.moesaic.loadtest;

/** OpenAI chat-completion request bodies, as JSON text. */
public final class ChatBodies {
    private ChatBodies() {
    }

    public static String chat(String model, String userMessage, int maxTokens, boolean stream) {
        return "{\"model\":" + quote(model)
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + quote(userMessage) + "}]"
                + ",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0"
                + (stream ? ",\"stream\":true" : "")
                + "}";
    }

    /** A JSON string literal (RFC 8259 escaping). */
    public static String quote(String s) {
        var out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }
}
