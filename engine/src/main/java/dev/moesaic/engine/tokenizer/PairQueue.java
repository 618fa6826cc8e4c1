package dev.moesaic.engine.tokenizer;

import java.util.Arrays;

/**
 * The work queue of both merge tokenizers: candidate merges of two adjacent symbols, best first.
 * A candidate is ordered by a 64-bit key (smaller pops first) and carries the index of its right
 * symbol and the combined length the two symbols had when it was queued, which is how a popped
 * candidate is recognised as stale (llama.cpp does the same). A binary heap on primitive arrays.
 */
final class PairQueue {
    private long[] keys = new long[64];
    private int[] rights = new int[64];
    private int[] sizes = new int[64];
    private int count;

    // filled by poll()
    long polledKey;
    int polledRight;
    int polledSize;

    /** Key for the SentencePiece queue: higher score first, then the leftmost pair. */
    static long scoreKey(float score, int left) {
        // canonicalise -0.0: llama.cpp compares scores with <, where -0.0 == 0.0
        int bits = Float.floatToIntBits(score == 0f ? 0f : score);
        int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) ~ascending << 32) | left;
    }

    /** Key for the byte-pair queue: lower merge rank first, then the leftmost pair. */
    static long rankKey(int rank, int left) {
        return ((long) rank << 32) | left;
    }

    static int leftOf(long key) {
        return (int) key;
    }

    void clear() {
        count = 0;
    }

    boolean isEmpty() {
        return count == 0;
    }

    void add(long key, int right, int size) {
        if (count == keys.length) {
            keys = Arrays.copyOf(keys, count * 2);
            rights = Arrays.copyOf(rights, count * 2);
            sizes = Arrays.copyOf(sizes, count * 2);
        }
        int i = count++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        keys[i] = key;
        rights[i] = right;
        sizes[i] = size;
    }

    /** Removes the best candidate into {@link #polledKey}, {@link #polledRight}, {@link #polledSize}. */
    void poll() {
        polledKey = keys[0];
        polledRight = rights[0];
        polledSize = sizes[0];
        count--;
        if (count == 0) {
            return;
        }
        long key = keys[count];
        int right = rights[count];
        int size = sizes[count];
        int i = 0;
        int half = count >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < count && keys[child + 1] < keys[child]) {
                child++;
            }
            if (key <= keys[child]) {
                break;
            }
            move(child, i);
            i = child;
        }
        keys[i] = key;
        rights[i] = right;
        sizes[i] = size;
    }

    private void move(int from, int to) {
        keys[to] = keys[from];
        rights[to] = rights[from];
        sizes[to] = sizes[from];
    }
}
