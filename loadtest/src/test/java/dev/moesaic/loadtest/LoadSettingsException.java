package dev.moesaic.loadtest;

/** A {@code moesaic.*} system property of a simulation run has a value the simulation cannot use. */
public final class LoadSettingsException extends IllegalArgumentException {
    public LoadSettingsException(String message) {
        super(message);
    }
}
