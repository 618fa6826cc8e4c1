package dev.moesaic.engine.runtime;

import java.util.List;

/**
 * Cuts streamed text at the first stop string, which is never output, even when it arrives split
 * over several pieces. Text that could still turn out to start a stop string is held back until the
 * next piece decides (the longest suffix that is a prefix of some stop string), so output once
 * released is final. The result equals cutting the whole text at the earliest occurrence of any stop
 * string ({@code StopStringFilterTest} checks that against the plain version).
 */
final class StopStringFilter {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean matched;

    StopStringFilter(List<String> stops) {
        this.stops = stops;
    }

    /** Adds {@code piece}; returns the text that is now safe to output (never part of a stop string). */
    String push(String piece) {
        if (matched) {
            return "";
        }
        if (stops.isEmpty()) {
            return piece;
        }
        held.append(piece);
        // No stop string can start inside text released earlier (that text had no suffix that starts one).
        int cut = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            matched = true;
            String out = held.substring(0, cut);
            held.setLength(0);
            return out;
        }
        int keep = longestSuffixStartingAStop();
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** The text still held back, released because no more text comes. */
    String flush() {
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    boolean matched() {
        return matched;
    }

    private int longestSuffixStartingAStop() {
        int best = 0;
        for (String stop : stops) {
            int max = Math.min(stop.length() - 1, held.length());
            for (int len = max; len > best; len--) {
                if (regionMatches(held, held.length() - len, stop, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }

    private static boolean regionMatches(CharSequence text, int from, String stop, int len) {
        for (int i = 0; i < len; i++) {
            if (text.charAt(from + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
