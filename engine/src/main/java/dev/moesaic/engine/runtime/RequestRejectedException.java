package dev.moesaic.engine.runtime;

/** The engine did not accept a request; nothing of it was started. Subclasses say why. */
public abstract sealed class RequestRejectedException extends RuntimeException
        permits QueueFullException, NotAdmittingException, PromptTooLongException {
    protected RequestRejectedException(String message) {
        super(message);
    }
}
