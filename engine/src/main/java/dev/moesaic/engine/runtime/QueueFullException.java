package dev.moesaic.engine.runtime;

/** The waiting queue holds its maximum of requests; the client should retry later (HTTP 429). */
public final class QueueFullException extends RequestRejectedException {
    private final int maxWaiting;

    public QueueFullException(int maxWaiting) {
        super("the server is busy: " + maxWaiting + " requests are already waiting; retry in a moment");
        this.maxWaiting = maxWaiting;
    }

    public int maxWaiting() {
        return maxWaiting;
    }
}
