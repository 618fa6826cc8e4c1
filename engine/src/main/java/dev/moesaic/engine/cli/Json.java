package dev.moesaic.engine.cli;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** One-line JSON objects for commands' {@code --json} output. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** {@code object("a", 1, "b", new int[] {2})} -> {"a":1,"b":[2]}; values: numbers, strings, booleans, int[]/long[]/double[], Maps, nested ObjectNodes. */
    public static String object(Object... keysAndValues) {
        ObjectNode node = MAPPER.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            node.set((String) keysAndValues[i], MAPPER.valueToTree(keysAndValues[i + 1]));
        }
        return MAPPER.writeValueAsString(node);
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
