package dev.moesaic.nativebind.dnnl;

import static org.bytedeco.dnnl.global.dnnl.dnnl_success;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.Loader;

/**
 * Loading oneDNN (JavaCPP's bundled build, CPU engine, OpenMP runtime) and the few process-wide
 * settings Moesaic needs.
 *
 * <p>Threading: Moesaic runs oneDNN inside its own compute lanes, one primitive call per lane
 * thread over a slice of the output, so every calling thread is limited to one OpenMP thread
 * ({@link #useOneThreadInThisThread}); OpenMP never starts a pool that would compete with the lanes
 * for the cores. Before the library loads, {@code OMP_WAIT_POLICY=PASSIVE} is put into the
 * environment (if unset) so any OpenMP thread that does start sleeps instead of spinning.
 */
public final class Dnnl {
    private static volatile MethodHandle ompSetNumThreads;
    private static volatile Throwable loadFailure;
    private static volatile boolean loaded;

    private Dnnl() {
    }

    /** Loads the native libraries once; throws {@link DnnlException} when this platform has none. */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        if (loadFailure != null) {
            throw new DnnlException("oneDNN could not be loaded earlier: " + loadFailure, loadFailure);
        }
        try {
            setEnvIfUnset("OMP_WAIT_POLICY", "PASSIVE");
            Loader.load(dnnl.class);
            ompSetNumThreads = findOmpSetNumThreads();
            loaded = true;
        } catch (Throwable t) {
            loadFailure = t;
            throw new DnnlException("oneDNN could not be loaded (JavaCPP dnnl for " + Loader.getPlatform()
                    + " must be on the class path): " + t, t);
        }
    }

    /** True when oneDNN loads on this machine. */
    public static boolean isAvailable() {
        try {
            load();
            return true;
        } catch (DnnlException e) {
            return false;
        }
    }

    /** oneDNN's version, for logs and benchmark output. */
    public static String version() {
        load();
        dnnl_version_t v = dnnl.dnnl_version();
        return v.major() + "." + v.minor() + "." + v.patch();
    }

    /** Limits OpenMP parallel regions started from the calling thread to that thread alone. */
    public static void useOneThreadInThisThread() {
        load();
        try {
            ompSetNumThreads.invokeExact(1);
        } catch (Throwable t) {
            throw new DnnlException("omp_set_num_threads(1) failed: " + t, t);
        }
    }

    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new DnnlException(what + " failed with oneDNN status " + status + " (" + statusName(status) + ")");
        }
    }

    private static String statusName(int status) {
        return switch (status) {
            case 1 -> "out of memory";
            case 2 -> "invalid arguments";
            case 3 -> "unimplemented: no implementation for this shape/type combination on this CPU";
            case 5 -> "runtime error";
            case 6 -> "not required";
            default -> "status " + status;
        };
    }

    /** omp_set_num_threads from the libgomp that JavaCPP loaded for oneDNN (not a system copy). */
    private static MethodHandle findOmpSetNumThreads() {
        String path = null;
        for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
            if (e.getKey().contains("gomp") || (e.getValue() != null && e.getValue().contains("libgomp"))) {
                path = e.getValue();
            }
        }
        SymbolLookup lookup = path != null ? SymbolLookup.libraryLookup(java.nio.file.Path.of(path), Arena.global())
                : SymbolLookup.libraryLookup("libgomp.so.1", Arena.global());
        MemorySegment fn = lookup.find("omp_set_num_threads")
                .orElseThrow(() -> new DnnlException("omp_set_num_threads not found in the OpenMP runtime oneDNN uses"));
        return Linker.nativeLinker().downcallHandle(fn, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
    }

    /** setenv through libc: the OpenMP runtime reads its settings from the environment when it loads. */
    private static void setEnvIfUnset(String name, String value) throws Throwable {
        if (System.getenv(name) != null) {
            return;
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) setenv.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
            if (rc != 0) {
                throw new DnnlException("setenv(" + name + ") failed with " + rc);
            }
        }
    }
}
