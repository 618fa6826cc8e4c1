package dev.moesaic.serving.host;

/** Where the server is in its life: only READY serves requests and answers /ready with 200. */
public enum ServerState {
    LOADING, READY, DRAINING, STOPPED, FAILED
}
