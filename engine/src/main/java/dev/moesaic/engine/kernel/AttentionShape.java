package dev.moesaic.engine.kernel;

/**
 * Grouped-query attention shape: {@code heads} query heads share {@code kvHeads} key/value heads
 * (query head h reads KV head {@code h / (heads / kvHeads)}), each of {@code headDim} floats;
 * scores are {@code dot(q, k) * scale} (usually {@code 1 / sqrt(headDim)}).
 */
public record AttentionShape(int heads, int kvHeads, int headDim, float scale) {
    public AttentionShape {
        if (heads < 1 || kvHeads < 1 || headDim < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention shape: " + heads + " query heads must be a positive multiple of "
                    + kvHeads + " KV heads, head size " + headDim);
        }
    }

    public static AttentionShape of(int heads, int kvHeads, int headDim) {
        return new AttentionShape(heads, kvHeads, headDim, (float) (1.0 / Math.sqrt(headDim)));
    }

    public int queryDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int kvHeadOf(int head) {
        return head / (heads / kvHeads);
    }
}
