package dev.moesaic.engine.forward;

/**
 * One forward step over tokens of possibly many sequences (continuous batching). Token {@code i}
 * belongs to sequence {@code s = sequenceOf[i]} at position {@code positions[i]}; that sequence's KV
 * entries live in {@code kv[s]} (the memory of the device that holds them), in the blocks
 * {@code blockTables[s]}, which must already cover every position up to the largest one in this
 * batch. A sequence's tokens must appear in position order.
 *
 * @param logitRows batch indices whose next-token logits are wanted, in the order they are written out
 */
public record ForwardBatch(int[] tokens, int[] positions, int[] sequenceOf, int[][] blockTables, KvStorage[] kv,
                           int[] logitRows) {
    public ForwardBatch {
        if (tokens.length == 0 || positions.length != tokens.length || sequenceOf.length != tokens.length) {
            throw new IllegalArgumentException("tokens, positions and sequenceOf must be non-empty and equally long");
        }
        if (kv.length != blockTables.length) {
            throw new IllegalArgumentException("one KV storage per sequence expected: " + kv.length + " vs " + blockTables.length);
        }
        for (int r : logitRows) {
            if (r < 0 || r >= tokens.length) {
                throw new IllegalArgumentException("logit row " + r + " outside batch of " + tokens.length);
            }
        }
    }

    public int size() {
        return tokens.length;
    }

    /** A single sequence's tokens at consecutive positions from {@code start}, logits for the last one only. */
    public static ForwardBatch ofSequence(int[] tokens, int start, int[] blockTable, KvStorage kv) {
        return ofSequence(tokens, start, blockTable, kv, false);
    }

    /** A single sequence's tokens; with {@code allLogits} every position's logits are returned. */
    public static ForwardBatch ofSequence(int[] tokens, int start, int[] blockTable, KvStorage kv, boolean allLogits) {
        int n = tokens.length;
        int[] pos = new int[n];
        int[] seq = new int[n];
        for (int i = 0; i < n; i++) {
            pos[i] = start + i;
        }
        int[] rows = allLogits ? java.util.stream.IntStream.range(0, n).toArray() : new int[] {n - 1};
        return new ForwardBatch(tokens, pos, seq, new int[][] {blockTable}, new KvStorage[] {kv}, rows);
    }
}
