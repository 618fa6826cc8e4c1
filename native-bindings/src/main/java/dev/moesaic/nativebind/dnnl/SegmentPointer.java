package dev.moesaic.nativebind.dnnl;

import java.lang.foreign.MemorySegment;
import org.bytedeco.javacpp.Pointer;

/**
 * A JavaCPP {@link Pointer} onto the bytes of an off-heap {@link MemorySegment}, without copying
 * and without taking ownership: JavaCPP never frees it. The caller keeps the segment's arena open
 * for as long as oneDNN may read or write through it.
 */
final class SegmentPointer extends Pointer {
    SegmentPointer(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("oneDNN needs off-heap memory; got a heap segment of " + segment.byteSize()
                    + " bytes (copy it into an Arena allocation first)");
        }
        this.address = segment.address();
        this.position = 0;
        this.limit = segment.byteSize();
        this.capacity = segment.byteSize();
    }
}
