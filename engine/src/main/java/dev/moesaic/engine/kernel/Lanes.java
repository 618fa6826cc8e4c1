package dev.moesaic.engine.kernel;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector shapes and the one horizontal sum every fast kernel uses. The species are {@code static
 * final} (otherwise C2 does not intrinsify the Vector API and the "vector" code runs as slow Java).
 *
 * <p>Horizontal sums go through {@link #sum}, a fixed pairwise tree over the lanes, never through
 * {@code reduceLanes(ADD)}: the Vector API leaves the order of a floating-point reduction open and
 * it may differ between the interpreter, C1 and C2, which would break bitwise batch invariance.
 */
final class Lanes {
    /** Floats per vector: 16 with AVX-512, 8 with AVX2. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorShape SHAPE = F.vectorShape();
    static final int FL = F.length();
    /** As many ints as floats. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Twice as many shorts as floats (the same bit size). */
    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    static final int SL = S.length();
    /** Bytes that widen into {@link #S}: half the bit size. */
    static final VectorSpecies<Byte> B_HALF = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** Bytes that widen into {@link #F}/{@link #I}: a quarter of the bit size. */
    static final VectorSpecies<Byte> B_QUARTER = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4));
    /** Shorts that widen into {@link #F}/{@link #I}: half the bit size. */
    static final VectorSpecies<Short> S_HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    private Lanes() {
    }

    /**
     * The lanes of {@code v} added as a balanced tree: lane i with lane i + n/2, then again on the
     * first half, and so on. Deterministic on every tier of the JIT.
     */
    static float sum(FloatVector v, float[] tmp) {
        v.intoArray(tmp, 0);
        for (int half = FL >> 1; half > 0; half >>= 1) {
            for (int i = 0; i < half; i++) {
                tmp[i] = tmp[i] + tmp[i + half];
            }
        }
        return tmp[0];
    }

    /** A scratch array for {@link #sum}. */
    static float[] sumScratch() {
        return new float[FL];
    }
}
