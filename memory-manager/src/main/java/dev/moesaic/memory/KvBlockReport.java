package dev.moesaic.memory;

/**
 * The state of a KV cache for the scheduler: how many blocks are free (admit new sequences while this covers
 * their prompts), used, and shared by more than one sequence (copy-on-write prefixes).
 */
public record KvBlockReport(int totalBlocks, int freeBlocks, int usedBlocks, int sharedBlocks, long blockBytes,
        int tokensPerBlock) {
    /** Tokens that fit in the free blocks. */
    public long freeTokens() {
        return (long) freeBlocks * tokensPerBlock;
    }

    /** Used blocks as a fraction of all blocks (what vLLM exports as KV-cache usage). */
    public double usage() {
        return totalBlocks == 0 ? 0 : (double) usedBlocks / totalBlocks;
    }
}
