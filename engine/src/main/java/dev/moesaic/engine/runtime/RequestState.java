package dev.moesaic.engine.runtime;

import java.util.ArrayList;
import java.util.List;

/** A submitted request inside the engine: its listener, its choices' sequences, timings and counts. */
final class RequestState {
    final GenerationRequest request;
    final GenerationListener listener;
    final long arrivalNanos;
    final List<Sequence> sequences = new ArrayList<>();
    int unfinished;
    int completionTokens;
    boolean admitted;
    boolean sawFirstToken;
    boolean listenerFailed;

    RequestState(GenerationRequest request, GenerationListener listener, long arrivalNanos) {
        this.request = request;
        this.listener = listener;
        this.arrivalNanos = arrivalNanos;
    }
}
