package dev.moesaic.engine.tokenizer;

import java.util.Arrays;

/**
 * An open-addressing map from non-negative long keys to int values. The tokenizers look up
 * "which token do these two adjacent symbols merge into" millions of times per megabyte of
 * text; a primitive table avoids boxing a key and a value on each lookup.
 */
final class LongIntMap {
    private static final long EMPTY = -1L;

    private long[] keys;
    private int[] values;
    private int size;

    LongIntMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        Arrays.fill(keys, EMPTY);
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** The value for {@code key}, or {@code missing} if absent. */
    int get(long key, int missing) {
        int mask = keys.length - 1;
        for (int slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
            long k = keys[slot];
            if (k == key) {
                return values[slot];
            }
            if (k == EMPTY) {
                return missing;
            }
        }
    }

    /** Stores {@code value} unless {@code key} is present; returns true if it was stored. */
    boolean putIfAbsent(long key, int value) {
        if (key < 0) {
            throw new IllegalArgumentException("keys must be non-negative: " + key);
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
            long k = keys[slot];
            if (k == key) {
                return false;
            }
            if (k == EMPTY) {
                keys[slot] = key;
                values[slot] = value;
                size++;
                return true;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldValues.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                putIfAbsent(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
