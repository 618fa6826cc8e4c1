package dev.moesaic.engine.quant;

/**
 * The scale searches ggml's reference K-quant encoders run per sub-block, reproduced operation for
 * operation (same float evaluation order) so that exported files match llama-quantize byte for byte.
 */
final class KQuantSearch {
    private KQuantSearch() {
    }

    /**
     * ggml's {@code make_qkx2_quants} with squared error: levels {@code 0..nmax} for
     * {@code x[xOffset .. +n)} under {@code value = scale * level - min}, searching
     * {@code nstep + 1} candidate inverse scales around {@code nmax / (max - min)} and refitting scale
     * and min by weighted least squares. Writes the levels to {@code levels[levelsOffset ...]}, the
     * (non-negative) min to {@code theMin[0]}, and returns the scale.
     */
    static float scaleAndMin(int n, int nmax, float[] x, int xOffset, float[] weights, byte[] levels, int levelsOffset,
                             float[] theMin, byte[] aux, float rmin, float rdelta, int nstep) {
        float min = x[xOffset];
        float max = x[xOffset];
        float sumW = weights[0];
        float sumX = sumW * x[xOffset];
        for (int i = 1; i < n; i++) {
            float xi = x[xOffset + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[levelsOffset + i] = 0;
            }
            theMin[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = GgmlRounding.nearestInt(iscale * (x[xOffset + i] - min));
            levels[levelsOffset + i] = (byte) Math.max(0, Math.min(nmax, l));
            float diff = scale * levels[levelsOffset + i] + min - x[xOffset + i];
            diff = diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[0] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = GgmlRounding.nearestInt(iscale * (x[xOffset + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                aux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xOffset + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xOffset + i];
                    diff = diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(aux, 0, levels, levelsOffset, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    /**
     * ggml's {@code make_qx_quants} with {@code rmse_type = 1} and no importance weights (weights
     * {@code x^2}): symmetric levels {@code -nmax .. nmax-1}, stored offset by {@code nmax}, trying 19
     * inverse scales around {@code -nmax / max} and keeping the least-squares best. Returns the scale.
     */
    static float symmetricScale(int n, int nmax, float[] x, int xOffset, byte[] levels, int levelsOffset) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xOffset + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xOffset + i];
            }
        }
        if (amax < 1e-15f) { // GROUP_MAX_EPS: all zero
            for (int i = 0; i < n; i++) {
                levels[levelsOffset + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xOffset + i];
            int l = GgmlRounding.nearestInt(iscale * xi);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            levels[levelsOffset + i] = (byte) (l + nmax);
            float w = xi * xi;
            sumLX += w * xi * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xOffset + i];
                int l = GgmlRounding.nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = xi * xi;
                sumLX += w * xi * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    int l = GgmlRounding.nearestInt(iscale * x[xOffset + i]);
                    levels[levelsOffset + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
