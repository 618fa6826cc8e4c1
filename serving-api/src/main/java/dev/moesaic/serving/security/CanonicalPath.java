package dev.moesaic.serving.security;

/**
 * Refuses request paths that a router could read differently from the way they are written: every
 * route of this server is plain ASCII, so a path that needs decoding or normalizing to match one is
 * either a mistake or an attempt to reach a route past its access rule.
 */
final class CanonicalPath {
    private CanonicalPath() {
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
                return "percent-encoded characters are not allowed in the request path";
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
