package dev.moesaic.nativebind.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Optional;

/**
 * The downcall handles. A separate holder so that nothing is looked up before {@link Libc} has checked the
 * platform: on an unsupported OS the user gets one clear message instead of a symbol-lookup error.
 */
final class LibcCalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    // Each handle takes the call-state segment first; errno is copied there right after the call returns,
    // before the JVM can run anything that would overwrite it.
    static final MethodHandle MEMFD_CREATE = withErrno("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle FTRUNCATE = withErrno("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    static final MethodHandle FALLOCATE =
            withErrno("fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle COPY_FILE_RANGE = withErrno("copy_file_range",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final MethodHandle MMAP = withErrno("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    static final MethodHandle MUNMAP = withErrno("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    static final MethodHandle MADVISE = withErrno("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final MethodHandle MPROTECT = withErrno("mprotect", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final MethodHandle CLOSE = withErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle SYSCONF = withErrno("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

    static final MethodHandle STRERROR = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT)).orElseThrow();
    static final Optional<MethodHandle> STRERRORNAME_NP = plain("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private LibcCalls() {
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO_VALUE.get(callState, 0L);
    }

    private static MethodHandle withErrno(String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = LINKER.defaultLookup().find(symbol).orElseThrow(() -> new UnsupportedOperationException(
                "libc symbol '" + symbol + "' not found; Moesaic needs glibc 2.27 or newer on Linux x86_64"));
        return LINKER.downcallHandle(address, descriptor, ERRNO);
    }

    private static Optional<MethodHandle> plain(String symbol, FunctionDescriptor descriptor) {
        return LINKER.defaultLookup().find(symbol).map(address -> LINKER.downcallHandle(address, descriptor));
    }
}
