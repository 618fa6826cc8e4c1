package dev.moesaic.engine.runtime;

/** The engine is draining or closed and takes no new requests (HTTP 503); send it to another replica. */
public final class NotAdmittingException extends RequestRejectedException {
    public NotAdmittingException(String message) {
        super(message);
    }
}
