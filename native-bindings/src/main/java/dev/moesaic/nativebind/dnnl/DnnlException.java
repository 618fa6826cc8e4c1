package dev.moesaic.nativebind.dnnl;

/** A oneDNN call failed, or oneDNN cannot be loaded on this machine. */
public final class DnnlException extends RuntimeException {
    public DnnlException(String message) {
        super(message);
    }

    public DnnlException(String message, Throwable cause) {
        super(message, cause);
    }
}
