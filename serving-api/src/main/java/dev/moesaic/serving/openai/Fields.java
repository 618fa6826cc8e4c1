package dev.moesaic.serving.openai;

import dev.moesaic.serving.api.ApiException;
import tools.jackson.databind.JsonNode;

/**
 * Typed reads of a request's JSON fields: a field that is absent or null gives null; a field of the
 * wrong type or out of range is a 400 that names the field (OpenAI's {@code param}) and says what
 * was expected.
 */
final class Fields {
    private final JsonNode root;

    Fields(JsonNode root) {
        this.root = root;
    }

    JsonNode node(String name) {
        JsonNode n = root.get(name);
        return n == null || n.isNull() ? null : n;
    }

    boolean present(String name) {
        return node(name) != null;
    }

    String string(String name) {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isString()) {
            throw ApiException.invalid(name, "'" + name + "' must be a string, got " + describe(n));
        }
        return n.stringValue();
    }

    String requiredString(String name) {
        String s = string(name);
        if (s == null) {
            throw ApiException.invalid(name, "'" + name + "' is required");
        }
        return s;
    }

    Boolean bool(String name) {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isBoolean()) {
            throw ApiException.invalid(name, "'" + name + "' must be true or false, got " + describe(n));
        }
        return n.booleanValue();
    }

    /** An integer in {@code [min, max]}; integral floats such as 16.0 are accepted. */
    Long integer(String name, long min, long max) {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isNumber() || !n.canConvertToExactIntegral() || !n.canConvertToLong()
                || n.longValue() < min || n.longValue() > max) {
            throw ApiException.invalid(name, "'" + name + "' must be an integer from " + min + " to " + max + ", got "
                    + describe(n));
        }
        return n.longValue();
    }

    /** A finite number in {@code [min, max]} ({@code (min, max]} when {@code minExclusive}). */
    Double number(String name, double min, double max, boolean minExclusive) {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        double v = n.isNumber() ? n.doubleValue() : Double.NaN;
        boolean aboveMin = minExclusive ? v > min : v >= min;
        if (!n.isNumber() || !Double.isFinite(v) || !aboveMin || v > max) {
            throw ApiException.invalid(name, "'" + name + "' must be a number " + (minExclusive ? "above " : "from ") + min
                    + (minExclusive ? " and at most " : " to ") + max + ", got " + describe(n));
        }
        return v;
    }

    /** Short description of a JSON value for error messages (never the whole of a huge value). */
    static String describe(JsonNode n) {
        String kind = switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "the number";
            case BOOLEAN -> "the boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "a " + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
        if (n.isNumber() || n.isBoolean()) {
            String text = n.toString();
            return kind + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
        }
        return kind;
    }
}
