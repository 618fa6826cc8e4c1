package dev.moesaic.serving.security;

/** Who may call a route. */
public enum AccessLevel {
    /** Everyone: probes ({@code /health}, {@code /ready}). */
    PUBLIC,
    /** Everyone, unless {@code moesaic.metrics-require-key} is set: then an API key, as {@link #API}. */
    METRICS,
    /** An API key ({@code Authorization: Bearer KEY}) when keys are configured, else everyone. */
    API,
    /** The admin token; with no admin token configured, nobody (403). */
    ADMIN
}
