package dev.moesaic.serving.security;

/**
 * Refuses request paths that a router could read differently from the way they are written. The
 * fixed parts of every route are letters, digits and '-', so a path that spells one of them with
 * percent-encoding, hides a separator ({@code %2F}, {@code ;}, {@code \}) or needs normalizing
 * ({@code .}, {@code ..}, {@code //}, a trailing slash) is either a mistake or an attempt to reach a
 * route past its access rule. Other characters may be percent-encoded (a model id such as
 * {@code builtin%3Atiny-moe} in {@code /v1/models/{id}}).
 */
final class CanonicalPath {
    private CanonicalPath() {
    }

    /** Why the escape at {@code rawPath[at]} is refused, or null: only characters no fixed route part uses may be escaped. */
    private static String encodedProblem(String rawPath, int at) {
        if (at + 2 >= rawPath.length() || Character.digit(rawPath.charAt(at + 1), 16) < 0
                || Character.digit(rawPath.charAt(at + 2), 16) < 0) {
            return "a '%' in the request path must start an escape of two hex digits";
        }
        int b = Character.digit(rawPath.charAt(at + 1), 16) * 16 + Character.digit(rawPath.charAt(at + 2), 16);
        boolean unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                || b == '-' || b == '.' || b == '_' || b == '~';
        if (unreserved) {
            return "letters, digits and '-._~' must not be percent-encoded in the request path";
        }
        if (b == '/' || b == '\\' || b == ';' || b == '%' || b < 0x20 || b == 0x7f) {
            return "encoded separators, '%' and control characters are not allowed in the request path";
        }
        return null;
    }

    /** Why {@code rawPath} (as sent, still percent-encoded) is refused, or null when it is canonical. */
    static String problem(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return "the request path must start with '/'";
        }
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c == ';') {
                return "matrix parameters (';') are not allowed in the request path";
            }
            if (c == '%') {
                String why = encodedProblem(rawPath, i);
                if (why != null) {
                    return why;
                }
                i += 2;
                continue;
            }
            if (c == '\\') {
                return "backslashes are not allowed in the request path";
            }
            if (c <= 0x20 || c >= 0x7f) {
                return "the request path may hold printable ASCII characters only";
            }
        }
        if (rawPath.length() > 1 && rawPath.endsWith("/")) {
            return "the request path must not end with '/'";
        }
        // Segments between slashes: none empty ("//"), none "." or "..".
        int start = 1;
        while (start <= rawPath.length()) {
            int end = rawPath.indexOf('/', start);
            if (end < 0) {
                end = rawPath.length();
            }
            String segment = rawPath.substring(start, end);
            if (rawPath.length() > 1 && segment.isEmpty()) {
                return "empty path segments ('//') are not allowed in the request path";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "dot segments ('.', '..') are not allowed in the request path";
            }
            start = end + 1;
        }
        return null;
    }
}
