package dev.moesaic.engine.quant;

import java.lang.foreign.MemorySegment;

/** Hand-building of little-endian blocks for tests, and float comparison by bits. */
final class Bytes {
    private Bytes() {
    }

    static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    static void putFloat(byte[] b, int at, float f) {
        int v = Float.floatToRawIntBits(f);
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> 8 * i);
        }
    }

    static int getShort(byte[] b, int at) {
        return (short) ((b[at] & 0xff) | (b[at + 1] & 0xff) << 8);
    }

    static float getFloat(byte[] b, int at) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (b[at + i] & 0xff) << 8 * i;
        }
        return Float.intBitsToFloat(v);
    }

    static MemorySegment seg(byte[] b) {
        return MemorySegment.ofArray(b);
    }

    /** Raw bits, so that -0.0 differs from 0.0 (NaNs are made canonical: payloads are not compared). */
    static int[] bits(float[] f) {
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.isNaN(f[i]) ? 0x7fc00000 : Float.floatToRawIntBits(f[i]);
        }
        return out;
    }
}
