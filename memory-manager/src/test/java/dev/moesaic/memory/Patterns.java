package dev.moesaic.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Deterministic byte patterns, so a test can tell whose bytes it is reading. */
final class Patterns {
    private Patterns() {
    }

    static byte byteAt(long seed, long index) {
        long mixed = (seed + 1) * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L;
        return (byte) (mixed ^ (mixed >>> 29) ^ (mixed >>> 47));
    }

    static void fill(MemorySegment target, long seed) {
        for (long i = 0; i < target.byteSize(); i++) {
            target.set(ValueLayout.JAVA_BYTE, i, byteAt(seed, i));
        }
    }

    static byte[] bytes(long seed, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = byteAt(seed, i);
        }
        return bytes;
    }

    /** A heap-free source segment holding the pattern, in an auto arena. */
    static MemorySegment source(long seed, long length) {
        MemorySegment segment = Arena.ofAuto().allocate(length, 64);
        fill(segment, seed);
        return segment;
    }

    static boolean matches(MemorySegment segment, long seed) {
        for (long i = 0; i < segment.byteSize(); i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != byteAt(seed, i)) {
                return false;
            }
        }
        return true;
    }

    static boolean isZero(MemorySegment segment) {
        for (long i = 0; i < segment.byteSize(); i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != 0) {
                return false;
            }
        }
        return true;
    }
}
