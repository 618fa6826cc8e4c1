package dev.moesaic.engine.elastic;

/** A scaling request arrived while another operation runs; only one runs at a time. */
public final class ScaleInProgressException extends RuntimeException {
    private final String runningId;

    public ScaleInProgressException(String runningId) {
        super("scaling operation " + runningId + " is still running; wait for it to finish (GET /admin/scale/" + runningId + ")");
        this.runningId = runningId;
    }

    public String runningId() {
        return runningId;
    }
}
