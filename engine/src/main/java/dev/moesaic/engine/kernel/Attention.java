package dev.moesaic.engine.kernel;

import static dev.moesaic.engine.kernel.Lanes.F;
import static dev.moesaic.engine.kernel.Lanes.F32;
import static dev.moesaic.engine.kernel.Lanes.FL;
import static dev.moesaic.engine.kernel.Lanes.LE;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Vectorised causal grouped-query attention over a paged KV cache (f32 keys and values). One
 * query row of one head is always computed by the same routine ({@link #attendOne}), whichever
 * entry point, batch or thread count runs it: decoding position p gives bitwise the same output as
 * row p of a prefill, and heads are split over the lane's threads, never the positions.
 *
 * <p>Per (row, head): scores {@code dot(q, k_t) * scale} for t = 0..p, softmax with
 * {@link FastExp} (max subtracted), then {@code sum_t e_t v_t / sum_t e_t}.
 */
public final class Attention {
    private final ComputeLane lane;
    private final float[][] scores;

    public Attention(ComputeLane lane) {
        this.lane = lane;
        this.scores = new float[lane.threads()][];
    }

    /**
     * One new token of one sequence at position {@code pos} (its key and value already written):
     * {@code out[outOffset ...]} ({@code heads * headDim} floats) from {@code q[qOffset ...]}.
     */
    public void decode(float[] q, int qOffset, PagedKv kv, int pos, AttentionShape shape, float[] out, int outOffset) {
        check(q, qOffset, 1, kv, pos, shape, out, outOffset);
        lane.forEachRange(shape.heads(), 1, (worker, h0, h1) -> {
            float[] s = scratch(worker, pos + 1);
            for (int h = h0; h < h1; h++) {
                attendOne(q, qOffset + h * shape.headDim(), kv, pos, shape, shape.kvHeadOf(h), out,
                        outOffset + h * shape.headDim(), s);
            }
        });
    }

    /**
     * {@code rows} consecutive tokens of one sequence at positions {@code startPos ..}, causal: row i
     * attends to positions {@code 0..startPos + i}. q and out are row-major, {@code heads * headDim} per row.
     */
    public void prefill(float[] q, int rows, int startPos, PagedKv kv, AttentionShape shape, float[] out) {
        check(q, 0, rows, kv, startPos + rows - 1, shape, out, 0);
        int qd = shape.queryDim();
        int heads = shape.heads();
        // chunks of heads of one row: later rows attend to more positions, dynamic chunks balance that
        lane.forEachRange(rows * heads, heads, (worker, j0, j1) -> {
            float[] s = scratch(worker, startPos + rows);
            for (int j = j0; j < j1; j++) {
                int i = j / heads;
                int h = j % heads;
                attendOne(q, i * qd + h * shape.headDim(), kv, startPos + i, shape, shape.kvHeadOf(h), out,
                        i * qd + h * shape.headDim(), s);
            }
        });
    }

    /**
     * A continuous batch: row {@code i} is a token at position {@code positions[i]} of the sequence
     * whose cache is {@code kvOfRow[i]} (its key and value already written) and attends to positions
     * {@code 0..positions[i]}. q and out are row-major, {@code heads * headDim} per row. The lane splits
     * (row, head) pairs; each pair is computed by the same routine as {@link #decode}, so a row's
     * output does not depend on the other rows or on how many there are.
     */
    public void batch(float[] q, int rows, int[] positions, PagedKv[] kvOfRow, AttentionShape shape, float[] out) {
        int maxPos = 0;
        for (int i = 0; i < rows; i++) {
            check(q, i * shape.queryDim(), 1, kvOfRow[i], positions[i], shape, out, i * shape.queryDim());
            maxPos = Math.max(maxPos, positions[i]);
        }
        int qd = shape.queryDim();
        int heads = shape.heads();
        int pairs = rows * heads;
        int scratch = maxPos + 1;
        // small dynamic chunks: later positions cost more, and decode has only `heads` pairs to share
        int chunk = Math.max(1, pairs / (lane.threads() * 8));
        lane.forEachRange(pairs, chunk, (worker, j0, j1) -> {
            float[] s = scratch(worker, scratch);
            for (int j = j0; j < j1; j++) {
                int i = j / heads;
                int h = j % heads;
                attendOne(q, i * qd + h * shape.headDim(), kvOfRow[i], positions[i], shape, shape.kvHeadOf(h), out,
                        i * qd + h * shape.headDim(), s);
            }
        });
    }

    /** Per-worker score buffer; a worker index is used by one thread at a time. */
    private float[] scratch(int worker, int n) {
        float[] s = scores[worker];
        if (s == null || s.length < n) {
            s = new float[Math.max(n, 256)];
            scores[worker] = s;
        }
        return s;
    }

    /** One head of one query row against positions 0..lastPos. */
    static void attendOne(float[] q, int qo, PagedKv kv, int lastPos, AttentionShape shape, int kvHead,
                          float[] out, int oo, float[] s) {
        int hd = shape.headDim();
        int hv = hd - hd % FL;
        MemorySegment pool = kv.pool();
        long headBytes = (long) kvHead * hd * Float.BYTES;
        float[] tmp = new float[FL];
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t <= lastPos; t++) {
            long ko = kv.keyAt(t) + headBytes;
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0; d < hv; d += FL) {
                acc = FloatVector.fromMemorySegment(F, pool, ko + 4L * d, LE).fma(FloatVector.fromArray(F, q, qo + d), acc);
            }
            float dot = Lanes.sum(acc, tmp);
            for (int d = hv; d < hd; d++) {
                dot = Math.fma(pool.get(F32, ko + 4L * d), q[qo + d], dot);
            }
            float score = dot * shape.scale();
            s[t] = score;
            max = Math.max(max, score);
        }
        int n = lastPos + 1;
        FastExp.expInPlace(s, n, max);
        int nv = n - n % FL;
        FloatVector sumv = FloatVector.zero(F);
        for (int t = 0; t < nv; t += FL) {
            sumv = sumv.add(FloatVector.fromArray(F, s, t));
        }
        float sum = Lanes.sum(sumv, tmp);
        for (int t = nv; t < n; t++) {
            sum += s[t];
        }
        for (int d = 0; d < hd; d++) {
            out[oo + d] = 0f;
        }
        for (int t = 0; t < n; t++) {
            long vo = kv.valueAt(t) + headBytes;
            FloatVector e = FloatVector.broadcast(F, s[t]);
            for (int d = 0; d < hv; d += FL) {
                FloatVector.fromMemorySegment(F, pool, vo + 4L * d, LE).fma(e, FloatVector.fromArray(F, out, oo + d))
                        .intoArray(out, oo + d);
            }
            for (int d = hv; d < hd; d++) {
                out[oo + d] = Math.fma(pool.get(F32, vo + 4L * d), s[t], out[oo + d]);
            }
        }
        float inv = 1f / sum;
        for (int d = 0; d < hd; d++) {
            out[oo + d] *= inv;
        }
    }

    static void check(float[] q, int qOffset, int rows, PagedKv kv, int lastPos, AttentionShape shape, float[] out,
                      int outOffset) {
        if (kv.kvDim() != shape.kvDim()) {
            throw new IllegalArgumentException("attention: KV slots hold " + kv.kvDim() + " floats but " + shape.kvHeads()
                    + " KV heads of " + shape.headDim() + " need " + shape.kvDim());
        }
        if (rows < 1) {
            throw new IllegalArgumentException("attention: at least one query row needed, got " + rows);
        }
        long need = (long) rows * shape.queryDim();
        if (qOffset < 0 || qOffset + need > q.length || outOffset < 0 || outOffset + need > out.length) {
            throw new IllegalArgumentException("attention: " + rows + " rows of " + shape.queryDim()
                    + " floats do not fit q (" + q.length + " from " + qOffset + ") or out (" + out.length + " from "
                    + outOffset + ")");
        }
        kv.checkPositions(lastPos);
    }
}
