package dev.moesaic.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttentionTest {
    private static final ComputeLane[] LANES = new ComputeLane[3];

    @BeforeAll
    static void start() {
        for (int t = 0; t < 3; t++) {
            LANES[t] = ComputeLane.create("attn-" + (t + 1), t + 1);
        }
    }

    @AfterAll
    static void stop() {
        for (ComputeLane l : LANES) {
            l.close();
        }
    }

    /**
     * A pool of blocks holding two layers each ([layer][K|V][slot][kvDim]); the returned view is layer 1
     * of a sequence whose block table is a shuffled subset of the blocks.
     */
    static PagedKv randomCache(int positions, int blockSize, int kvDim, long seed) {
        Random rnd = new Random(seed);
        int blocks = (positions + blockSize - 1) / blockSize;
        int poolBlocks = blocks + 3;
        long slotBytes = (long) blockSize * kvDim * 4;
        long blockBytes = 4 * slotBytes + 64;
        MemorySegment pool = Arena.ofAuto().allocate(poolBlocks * blockBytes, 64);
        for (long o = 0; o + 4 <= pool.byteSize(); o += 4) {
            pool.set(ValueLayout.JAVA_FLOAT_UNALIGNED, o, (float) rnd.nextGaussian());
        }
        List<Integer> ids = new ArrayList<>();
        for (int b = 0; b < poolBlocks; b++) {
            ids.add(b);
        }
        Collections.shuffle(ids, rnd);
        int[] table = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            table[b] = ids.get(b);
        }
        return new PagedKv(pool, table, blockSize, blockBytes, 2 * slotBytes, 3 * slotBytes, kvDim);
    }

    private static float[] randomFloats(int n, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian() * 2f;
        }
        return v;
    }

    @ParameterizedTest(name = "heads={0}/{1} dim={2} positions={3} block={4}")
    @CsvSource({"16,4,64,1,16", "16,4,64,37,16", "16,4,64,200,32", "6,2,20,9,5", "4,4,8,70,7", "2,1,128,33,16"})
    void decodeMatchesReferenceAndPrefillRowsEqualDecodeBitwise(int heads, int kvHeads, int dim, int positions, int block) {
        AttentionShape shape = AttentionShape.of(heads, kvHeads, dim);
        PagedKv kv = randomCache(positions, block, shape.kvDim(), positions * 13L + dim);
        int qd = shape.queryDim();
        float[] q = randomFloats(positions * qd, dim);
        float[] prefill = new float[positions * qd];
        new Attention(LANES[1]).prefill(q, positions, 0, kv, shape, prefill);
        for (ComputeLane lane : LANES) {
            Attention attention = new Attention(lane);
            for (int p = 0; p < positions; p += Math.max(1, positions / 7)) {
                float[] out = new float[qd];
                attention.decode(q, p * qd, kv, p, shape, out, 0);
                assertThat(out).as("decode at %d with %d threads equals prefill row %d", p, lane.threads(), p)
                        .isEqualTo(Arrays.copyOfRange(prefill, p * qd, (p + 1) * qd));
                float[] ref = new float[qd];
                ReferenceAttention.attend(q, p * qd, kv, p, shape, ref, 0);
                for (int d = 0; d < qd; d++) {
                    assertThat(out[d]).as("pos %d element %d", p, d).isCloseTo(ref[d], within(2e-5f * (1 + Math.abs(ref[d]))));
                }
            }
        }
    }

    @Test
    void prefillChunkStartingMidSequenceEqualsWholePrefill() {
        AttentionShape shape = AttentionShape.of(16, 4, 64);
        int positions = 50;
        PagedKv kv = randomCache(positions, 16, shape.kvDim(), 9);
        int qd = shape.queryDim();
        float[] q = randomFloats(positions * qd, 10);
        float[] whole = new float[positions * qd];
        Attention attention = new Attention(LANES[2]);
        attention.prefill(q, positions, 0, kv, shape, whole);
        float[] chunk = new float[20 * qd];
        attention.prefill(Arrays.copyOfRange(q, 30 * qd, 50 * qd), 20, 30, kv, shape, chunk);
        assertThat(chunk).isEqualTo(Arrays.copyOfRange(whole, 30 * qd, 50 * qd));
    }

    @Test
    void fastExpIsCloseToMathExpAndLanesEqualScalarTwin() {
        float[] xs = new float[4096];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = -90f + 180f * i / (xs.length - 1);
        }
        float[] v = xs.clone();
        FastExp.expInPlace(v, v.length, 0f);
        for (int i = 0; i < xs.length; i++) {
            assertThat(Float.floatToRawIntBits(v[i])).as("lane vs scalar at %s", xs[i])
                    .isEqualTo(Float.floatToRawIntBits(FastExp.exp(xs[i])));
            if (xs[i] > -87f && xs[i] < 88f) {
                double e = Math.exp(xs[i]);
                assertThat((double) v[i]).as("exp(%s)", xs[i]).isCloseTo(e, within(3e-7 * e));
            }
        }
        FloatVector one = FastExp.exp(FloatVector.zero(Lanes.F));
        assertThat(one.lane(0)).isEqualTo(1f);
    }

    @Test
    void rejectsMismatchedShapesAndPositionsOutsideTheTable() {
        AttentionShape shape = AttentionShape.of(4, 2, 8);
        PagedKv kv = randomCache(10, 4, shape.kvDim(), 1);
        Attention attention = new Attention(LANES[0]);
        assertThatThrownBy(() -> attention.decode(new float[32], 0, kv, 12, shape, new float[32], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("position 12");
        assertThatThrownBy(() -> attention.decode(new float[32], 0, kv, 3, AttentionShape.of(4, 4, 8), new float[32], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KV slots hold 16 floats");
        PagedKv broken = new PagedKv(kv.pool(), new int[] {0, 99, 1}, 4, kv.blockBytes(), kv.keyOffset(), kv.valueOffset(), 16);
        assertThatThrownBy(() -> attention.decode(new float[32], 0, broken, 5, shape, new float[32], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry 1 = 99");
        assertThatThrownBy(() -> new AttentionShape(6, 4, 8, 1f)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A continuous batch of rows from two sequences at scattered positions gives, row by row, bitwise
     * what decoding that row alone gives, whatever the thread count.
     */
    @Test
    void batchOfMixedSequencesEqualsDecodingEachRowAlone() {
        AttentionShape shape = AttentionShape.of(16, 4, 64);
        PagedKv a = randomCache(90, 16, shape.kvDim(), 5);
        PagedKv b = randomCache(40, 8, shape.kvDim(), 6);
        int[] positions = {89, 0, 17, 39, 38, 64};
        PagedKv[] kvOfRow = {a, b, a, b, b, a};
        int qd = shape.queryDim();
        float[] q = randomFloats(positions.length * qd, 12);
        for (ComputeLane lane : LANES) {
            Attention attention = new Attention(lane);
            float[] batch = new float[positions.length * qd];
            attention.batch(q, positions.length, positions, kvOfRow, shape, batch);
            for (int i = 0; i < positions.length; i++) {
                float[] alone = new float[qd];
                attention.decode(q, i * qd, kvOfRow[i], positions[i], shape, alone, 0);
                assertThat(Arrays.copyOfRange(batch, i * qd, (i + 1) * qd)).as("row %d on %d threads", i, lane.threads())
                        .containsExactly(alone);
                float[] reference = new float[qd];
                ReferenceAttention.attend(q, i * qd, kvOfRow[i], positions[i], shape, reference, 0);
                for (int d = 0; d < qd; d++) {
                    assertThat(alone[d]).as("row %d element %d vs reference", i, d).isCloseTo(reference[d], within(2e-5f));
                }
            }
        }
    }
}
