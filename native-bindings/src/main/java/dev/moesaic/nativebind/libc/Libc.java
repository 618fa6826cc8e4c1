package dev.moesaic.nativebind.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The libc calls the memory manager needs (memfd, ftruncate, fallocate, copy_file_range, mmap, munmap, madvise,
 * mprotect, close, sysconf), as FFM downcalls. Mechanism only: arguments go to the kernel as given, and every failure
 * becomes an {@link ErrnoException} naming the call, its arguments and the errno.
 *
 * <p>These are raw calls. {@code mmap} with {@link #MAP_FIXED} or {@code munmap} on an address this process
 * did not reserve for the purpose replaces memory the JVM is using; callers own that responsibility
 * (in Moesaic only {@code dev.moesaic.memory.VirtualRegion} and {@code DevicePool} call them).
 *
 * <p>Linux x86_64 only: the constants below are that ABI's values. On any other platform every method throws
 * {@link UnsupportedOperationException} saying so.
 */
public final class Libc {
    public static final int PROT_NONE = 0x0;
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;

    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MAP_POPULATE = 0x8000;

    public static final int MADV_NORMAL = 0;
    public static final int MADV_WILLNEED = 3;
    public static final int MADV_DONTNEED = 4;
    public static final int MADV_REMOVE = 9;

    public static final int MFD_CLOEXEC = 0x1;

    public static final int FALLOC_FL_KEEP_SIZE = 0x1;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x2;

    private static final int SC_PAGESIZE = 30;
    private static final long MAP_FAILED = -1L;

    private static final String OS = System.getProperty("os.name", "?");
    private static final String ARCH = System.getProperty("os.arch", "?");
    private static final boolean SUPPORTED =
            OS.toLowerCase(Locale.ROOT).startsWith("linux") && (ARCH.equals("amd64") || ARCH.equals("x86_64"));

    private static volatile long pageSize;

    private Libc() {
    }

    /** True on Linux x86_64, the only platform whose constants this class carries. */
    public static boolean isSupportedPlatform() {
        return SUPPORTED;
    }

    /** Throws a clear {@link UnsupportedOperationException} unless running on Linux x86_64. */
    public static void requireSupportedPlatform() {
        if (!SUPPORTED) {
            throw new UnsupportedOperationException("Moesaic's memory manager needs Linux x86_64 (memfd_create, mmap "
                    + "with MAP_FIXED); this JVM runs on " + OS + " " + ARCH + ". Run it on Linux x86_64, e.g. in the "
                    + "project's container image.");
        }
    }

    /** {@code memfd_create(name, flags)}: an anonymous, memory-backed file; returns its descriptor. */
    public static int memfdCreate(String name, int flags) {
        requireSupportedPlatform();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            int fd = (int) LibcCalls.MEMFD_CREATE.invokeExact(state, arena.allocateFrom(name), flags);
            if (fd < 0) {
                int errno = LibcCalls.errno(state);
                throw new ErrnoException("memfd_create(name=\"" + name + "\", flags=" + flags + ")", errno,
                        errno == Errno.EMFILE || errno == Errno.ENFILE
                                ? "too many open files; close pools that are no longer needed or raise the fd limit"
                                : null);
            }
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("memfd_create", t);
        }
    }

    /** {@code ftruncate(fd, length)}: sets the file's size. */
    public static void ftruncate(int fd, long length) {
        requireSupportedPlatform();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            int rc = (int) LibcCalls.FTRUNCATE.invokeExact(state, fd, length);
            if (rc != 0) {
                throw new ErrnoException("ftruncate(fd=" + fd + ", length=" + length + ")", LibcCalls.errno(state), null);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("ftruncate", t);
        }
    }

    /**
     * {@code fallocate(fd, mode, offset, length)}. With {@code FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE} on a
     * memfd it gives the pages back to the kernel: they read as zero afterwards, in every mapping.
     */
    public static void fallocate(int fd, int mode, long offset, long length) {
        requireSupportedPlatform();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            int rc = (int) LibcCalls.FALLOCATE.invokeExact(state, fd, mode, offset, length);
            if (rc != 0) {
                throw new ErrnoException("fallocate(fd=" + fd + ", mode=" + describeFallocateMode(mode) + ", offset="
                        + offset + ", length=" + length + ")", LibcCalls.errno(state), null);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("fallocate", t);
        }
    }

    /**
     * {@code copy_file_range(fdIn, &offsetIn, fdOut, &offsetOut, length, 0)}, repeated until all {@code length}
     * bytes are copied: the kernel copies file pages to file pages. Between two memfds that means no page faults
     * and no zero-fill of the target pages, which a copy through mappings pays for every 4 KiB page.
     * Kernel errors throw {@link ErrnoException} (e.g. {@code EXDEV} or {@code EOPNOTSUPP} where the file systems
     * cannot copy between each other); a source that ends before the range does throws {@link IllegalStateException}.
     */
    public static void copyFileRange(int fdIn, long offsetIn, int fdOut, long offsetOut, long length) {
        requireSupportedPlatform();
        if (offsetIn < 0 || offsetOut < 0 || length < 0) {
            throw new IllegalArgumentException("copy_file_range needs non-negative offsets and length, got offsetIn="
                    + offsetIn + ", offsetOut=" + offsetOut + ", length=" + length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_LONG, offsetIn);
            MemorySegment out = arena.allocateFrom(ValueLayout.JAVA_LONG, offsetOut);
            long done = 0;
            while (done < length) {
                long n = (long) LibcCalls.COPY_FILE_RANGE.invokeExact(state, fdIn, in, fdOut, out, length - done, 0);
                if (n < 0) {
                    int errno = LibcCalls.errno(state);
                    if (errno == Errno.EINTR) {
                        continue;
                    }
                    throw new ErrnoException("copy_file_range(fdIn=" + fdIn + ", offsetIn=" + (offsetIn + done) + ", fdOut="
                            + fdOut + ", offsetOut=" + (offsetOut + done) + ", length=" + (length - done) + ")", errno, null);
                }
                if (n == 0) {
                    throw new IllegalStateException("copy_file_range(fdIn=" + fdIn + ") reached the end of the source at offset "
                            + (offsetIn + done) + " with " + (length - done) + " of " + length + " bytes still to copy");
                }
                done += n;
            }
        } catch (ErrnoException | IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("copy_file_range", t);
        }
    }

    /**
     * {@code mmap(address, length, prot, flags, fd, offset)}; returns the address of the mapping. Pass
     * {@code address = 0} to let the kernel choose, and {@code fd = -1} with {@link #MAP_ANONYMOUS}.
     */
    public static long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        requireSupportedPlatform();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            MemorySegment result = (MemorySegment) LibcCalls.MMAP.invokeExact(
                    state, MemorySegment.ofAddress(address), length, prot, flags, fd, offset);
            if (result.address() == MAP_FAILED) {
                int errno = LibcCalls.errno(state);
                throw new ErrnoException("mmap(address=" + hex(address) + ", length=" + length + ", prot="
                        + describeProt(prot) + ", flags=" + describeMapFlags(flags) + ", fd=" + fd + ", offset="
                        + offset + ")", errno, errno == Errno.ENOMEM
                                ? "the process may have reached vm.max_map_count (/proc/sys/vm/max_map_count) or "
                                        + "its address-space limit; use larger pages or fewer regions"
                                : null);
            }
            return result.address();
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("mmap", t);
        }
    }

    /** {@code munmap(address, length)}. */
    public static void munmap(long address, long length) {
        requireSupportedPlatform();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            int rc = (int) LibcCalls.MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), length);
            if (rc != 0) {
                throw new ErrnoException("munmap(address=" + hex(address) + ", length=" + length + ")",
                        LibcCalls.errno(state), null);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("munmap", t);
        }
    }

    /** {@code madvise(address, length, advice)}. */
    public static void madvise(long address, long length, int advice) {
        requireSupportedPlatform();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            int rc = (int) LibcCalls.MADVISE.invokeExact(state, MemorySegment.ofAddress(address), length, advice);
            if (rc != 0) {
                throw new ErrnoException("madvise(address=" + hex(address) + ", length=" + length + ", advice="
                        + advice + ")", LibcCalls.errno(state), null);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("madvise", t);
        }
    }

    /** {@code mprotect(address, length, prot)}. */
    public static void mprotect(long address, long length, int prot) {
        requireSupportedPlatform();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            int rc = (int) LibcCalls.MPROTECT.invokeExact(state, MemorySegment.ofAddress(address), length, prot);
            if (rc != 0) {
                throw new ErrnoException("mprotect(address=" + hex(address) + ", length=" + length + ", prot="
                        + describeProt(prot) + ")", LibcCalls.errno(state), null);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("mprotect", t);
        }
    }

    /** {@code close(fd)}. */
    public static void close(int fd) {
        requireSupportedPlatform();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            int rc = (int) LibcCalls.CLOSE.invokeExact(state, fd);
            if (rc != 0) {
                throw new ErrnoException("close(fd=" + fd + ")", LibcCalls.errno(state), null);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("close", t);
        }
    }

    /** The OS page size, {@code sysconf(_SC_PAGESIZE)} (4096 on x86_64 Linux). */
    public static long pageSize() {
        long cached = pageSize;
        if (cached != 0) {
            return cached;
        }
        requireSupportedPlatform();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(LibcCalls.CALL_STATE);
            long size = (long) LibcCalls.SYSCONF.invokeExact(state, SC_PAGESIZE);
            if (size <= 0) {
                throw new ErrnoException("sysconf(_SC_PAGESIZE)", LibcCalls.errno(state), null);
            }
            pageSize = size;
            return size;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected("sysconf", t);
        }
    }

    /** {@code PROT_READ|PROT_WRITE} style text for messages. */
    public static String describeProt(int prot) {
        if (prot == PROT_NONE) {
            return "PROT_NONE";
        }
        List<String> parts = new ArrayList<>();
        int rest = prot;
        if ((rest & PROT_READ) != 0) {
            parts.add("PROT_READ");
            rest &= ~PROT_READ;
        }
        if ((rest & PROT_WRITE) != 0) {
            parts.add("PROT_WRITE");
            rest &= ~PROT_WRITE;
        }
        if (rest != 0) {
            parts.add(hex(rest));
        }
        return String.join("|", parts);
    }

    /** {@code MAP_SHARED|MAP_FIXED} style text for messages. */
    public static String describeMapFlags(int flags) {
        List<String> parts = new ArrayList<>();
        int rest = flags;
        int[] bits = {MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS, MAP_NORESERVE, MAP_POPULATE};
        String[] names = {"MAP_SHARED", "MAP_PRIVATE", "MAP_FIXED", "MAP_ANONYMOUS", "MAP_NORESERVE", "MAP_POPULATE"};
        for (int i = 0; i < bits.length; i++) {
            if ((rest & bits[i]) != 0) {
                parts.add(names[i]);
                rest &= ~bits[i];
            }
        }
        if (rest != 0 || parts.isEmpty()) {
            parts.add(hex(rest));
        }
        return String.join("|", parts);
    }

    private static String describeFallocateMode(int mode) {
        if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
            return "FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE";
        }
        return String.valueOf(mode);
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    private static IllegalStateException unexpected(String call, Throwable t) {
        return new IllegalStateException("the FFM downcall to " + call + " failed inside the JVM: " + t, t);
    }
}
