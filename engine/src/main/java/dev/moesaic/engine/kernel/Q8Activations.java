package dev.moesaic.engine.kernel;

import static dev.moesaic.engine.kernel.Lanes.F;
import static dev.moesaic.engine.kernel.Lanes.FL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Activation rows quantized to 8 bits the way llama.cpp's x86 CPU path does before its integer dot
 * products, stored widened to shorts so the kernels can multiply them without a conversion:
 * <ul>
 *   <li>Q8_0 (for Q4_0 and Q8_0 weights), blocks of 32: {@code amax = max|x|}, scale {@code d =
 *       fp16(amax / 127)}, values {@code rint(x * (127 / amax))} (0 when amax is 0). The dot product
 *       uses the fp16-rounded d.</li>
 *   <li>Q8_K (for K-quant weights), blocks of 256: {@code max} = the first element of largest
 *       magnitude, {@code iscale = -127 / max}, values {@code min(127, rint(iscale * x))}, float scale
 *       {@code 1 / iscale}, and the sum of every 16 values ({@code bsums}).</li>
 * </ul>
 * One instance is reused across matmuls (it only grows), so decode does not allocate.
 */
final class Q8Activations {
    static final int Q8_0_BLOCK = 32;
    static final int Q8_K_BLOCK = 256;
    /** Adding and subtracting 1.5 * 2^23 rounds a float below 2^22 to the nearest integer, ties to even, like rint. */
    private static final float ROUND_MAGIC = 0x1.8p23f;

    short[] q = new short[0];
    float[] d = new float[0];
    int[] bsums = new int[0];
    /** Q8_0: the sum of each block's 32 values (lets Q4_0 kernels fold the -8 offset out of the inner loop). */
    int[] blockSums = new int[0];
    int rows;
    int cols;

    /** Makes room for {@code m} rows of {@code k} values in blocks of {@code block}. */
    void reset(int m, int k, int block) {
        long n = (long) m * k;
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("activation batch of " + m + " x " + k + " values is too large for one matmul");
        }
        if (q.length < n) {
            q = new short[(int) n];
        }
        int blocks = (int) (n / block);
        if (d.length < blocks) {
            d = new float[blocks];
        }
        if (block == Q8_0_BLOCK && blockSums.length < blocks) {
            blockSums = new int[blocks];
        }
        if (block == Q8_K_BLOCK && bsums.length < n / 16) {
            bsums = new int[(int) (n / 16)];
        }
        rows = m;
        cols = k;
    }

    /** Row {@code row} of {@code x} (rows of {@code cols} values) to Q8_0; requires {@link #reset} with block 32. */
    void quantizeQ8_0(float[] x, int row) {
        int base = row * cols;
        float[] scaled = new float[Q8_0_BLOCK];
        for (int b = 0; b < cols / Q8_0_BLOCK; b++) {
            int o = base + b * Q8_0_BLOCK;
            float amax = 0f;
            for (int c = 0; c < Q8_0_BLOCK; c += FL) {
                amax = Math.max(amax, FloatVector.fromArray(F, x, o + c).abs().reduceLanes(VectorOperators.MAX));
            }
            d[o / Q8_0_BLOCK] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            float id = amax != 0f ? 127f / amax : 0f;
            for (int c = 0; c < Q8_0_BLOCK; c += FL) {
                FloatVector v = FloatVector.fromArray(F, x, o + c).mul(id);
                v.add(ROUND_MAGIC).sub(ROUND_MAGIC).intoArray(scaled, c);
            }
            int sum = 0;
            for (int c = 0; c < Q8_0_BLOCK; c++) {
                int v = (int) scaled[c];
                q[o + c] = (short) v;
                sum += v;
            }
            blockSums[o / Q8_0_BLOCK] = sum;
        }
    }

    /** Row {@code row} of {@code x} to Q8_K; requires {@link #reset} with block 256. */
    void quantizeQ8K(float[] x, int row) {
        int base = row * cols;
        for (int b = 0; b < cols / Q8_K_BLOCK; b++) {
            int o = base + b * Q8_K_BLOCK;
            float max = 0f;
            float amax = 0f;
            for (int j = 0; j < Q8_K_BLOCK; j++) {
                float ax = Math.abs(x[o + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[o + j];
                }
            }
            int blk = o / Q8_K_BLOCK;
            if (amax == 0f) {
                d[blk] = 0f;
                for (int j = 0; j < Q8_K_BLOCK; j++) {
                    q[o + j] = 0;
                }
                for (int g = 0; g < Q8_K_BLOCK / 16; g++) {
                    bsums[o / 16 + g] = 0;
                }
                continue;
            }
            float iscale = -127f / max;
            for (int g = 0; g < Q8_K_BLOCK / 16; g++) {
                int sum = 0;
                for (int j = g * 16; j < g * 16 + 16; j++) {
                    int v = Math.min(127, (int) ((iscale * x[o + j] + ROUND_MAGIC) - ROUND_MAGIC));
                    q[o + j] = (short) v;
                    sum += v;
                }
                bsums[o / 16 + g] = sum;
            }
            d[blk] = 1f / iscale;
        }
    }
}
