package dev.moesaic.engine.quant;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The unaligned little-endian layouts every ggml block is stored with (GGUF files are little-endian). */
final class LittleEndian {
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {
    }
}
