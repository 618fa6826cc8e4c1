package dev.moesaic.engine.kernel;

import static dev.moesaic.engine.kernel.Lanes.F;
import static dev.moesaic.engine.kernel.Lanes.FL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp(x) for softmax, the same bits in vector lanes and in the scalar twin (only IEEE add, mul and
 * fma, so every JIT tier agrees; the Vector API's own EXP may use different library code per
 * tier). Range reduction x = n ln2 + r, a degree-6 polynomial for e^r (Cephes' expf
 * coefficients), then 2^n through the exponent bits; about 2 ulp, inputs clamped to [-87, 88].
 */
final class FastExp {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float MAGIC = 0x1.8p23f;
    private static final float LO = -87f;
    private static final float HI = 88f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private FastExp() {
    }

    static float exp(float x) {
        x = Math.min(HI, Math.max(LO, x));
        float n = (x * LOG2E + MAGIC) - MAGIC;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float rr = r * r;
        float e = Math.fma(p, rr, r) + 1f;
        return e * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    static FloatVector exp(FloatVector x) {
        x = x.max(LO).min(HI);
        FloatVector n = x.mul(LOG2E).add(MAGIC).sub(MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, P0).fma(r, FloatVector.broadcast(F, P1));
        p = p.fma(r, FloatVector.broadcast(F, P2));
        p = p.fma(r, FloatVector.broadcast(F, P3));
        p = p.fma(r, FloatVector.broadcast(F, P4));
        p = p.fma(r, FloatVector.broadcast(F, P5));
        FloatVector rr = r.mul(r);
        FloatVector e = p.fma(rr, r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return e.mul(bits.reinterpretAsFloats());
    }

    /** {@code v[i] = exp(v[i] - shift)} for {@code i < n}, vector lanes and scalar tail giving the same bits. */
    static void expInPlace(float[] v, int n, float shift) {
        int nv = n - n % FL;
        for (int i = 0; i < nv; i += FL) {
            exp(FloatVector.fromArray(F, v, i).sub(shift)).intoArray(v, i);
        }
        for (int i = nv; i < n; i++) {
            v[i] = exp(v[i] - shift);
        }
    }
}
