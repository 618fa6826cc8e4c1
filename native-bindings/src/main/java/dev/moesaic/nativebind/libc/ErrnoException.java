package dev.moesaic.nativebind.libc;

/**
 * A libc call failed. The message names the call, the arguments that matter, the errno name and the C
 * library's description, e.g. {@code mmap(length=4096, ...) failed: ENOMEM (Cannot allocate memory)}.
 */
public final class ErrnoException extends RuntimeException {
    private final String call;
    private final int errno;

    public ErrnoException(String call, int errno, String hint) {
        super(call + " failed: " + Errno.name(errno) + " (" + Errno.describe(errno) + ")"
                + (hint == null || hint.isEmpty() ? "" : "; " + hint));
        this.call = call;
        this.errno = errno;
    }

    /** The call with its arguments, as it appears at the start of the message. */
    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code EINVAL}. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
