package dev.moesaic.engine.tokenizer;

/**
 * The merge loop both merge tokenizers share (llama.cpp's SentencePiece and byte-pair sessions): the
 * symbols of one word as a doubly linked list, every adjacent pair that merges in a {@link PairQueue},
 * the best pair merged first, and a popped pair skipped when either side changed since it was queued.
 * The encoder fills {@link #symbols(int)}, calls {@link #merge}, then walks the survivors
 * ({@code for (int i = 0; i != -1; i = next[i])}). Scratch arrays grow to the longest word; one
 * instance per encode call (not thread-safe).
 */
final class SymbolMerger {
    /** What a vocabulary says about two adjacent symbols. */
    interface Rules {
        /** An id for merging symbol {@code a} with symbol {@code b} (a rank, a token), or -1 if they do not merge. */
        int mergeOf(int a, int b);

        /** The queue key of merge {@code merge} for the pair whose left symbol is at {@code left}. */
        long key(int merge, int left);

        /** The symbol the pair queued under {@code key}, made of {@code a} and {@code b}, becomes. */
        int merged(long key, int a, int b);
    }

    int[] sym = new int[64];
    int[] next = new int[64];
    private int[] size = new int[64];
    private int[] prev = new int[64];
    private final PairQueue queue = new PairQueue();

    /** The symbol array, at least {@code n} long, for the encoder to fill with a word's first {@code n} symbols. */
    int[] symbols(int n) {
        if (sym.length < n) {
            sym = new int[n];
            size = new int[n];
            prev = new int[n];
            next = new int[n];
        }
        return sym;
    }

    /** Merges the {@code n} symbols filled in by the encoder until no adjacent pair merges. */
    void merge(int n, Rules rules) {
        for (int i = 0; i < n; i++) {
            size[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        queue.clear();
        for (int i = 1; i < n; i++) {
            offer(rules, i - 1, i);
        }
        while (!queue.isEmpty()) {
            queue.poll();
            int left = PairQueue.leftOf(queue.polledKey);
            int right = queue.polledRight;
            // stale: one side was merged away or grew since this pair was queued
            if (size[left] == 0 || size[right] == 0 || size[left] + size[right] != queue.polledSize) {
                continue;
            }
            sym[left] = rules.merged(queue.polledKey, sym[left], sym[right]);
            size[left] += size[right];
            size[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(rules, prev[left], left);
            offer(rules, left, next[left]);
        }
    }

    private void offer(Rules rules, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int merge = rules.mergeOf(sym[left], sym[right]);
        if (merge >= 0) {
            queue.add(rules.key(merge, left), right, size[left] + size[right]);
        }
    }
}
