package dev.moesaic.serving.openai;

import dev.moesaic.engine.runtime.ChoiceEnd;
import dev.moesaic.engine.runtime.GenerationListener;
import dev.moesaic.engine.runtime.GenerationRequest;
import dev.moesaic.engine.runtime.InferenceEngine;
import dev.moesaic.engine.runtime.NotAdmittingException;
import dev.moesaic.engine.runtime.PromptTooLongException;
import dev.moesaic.engine.runtime.QueueFullException;
import dev.moesaic.engine.runtime.TokenEvent;
import dev.moesaic.engine.runtime.Usage;
import dev.moesaic.serving.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Bridges engine requests to a reactive stream. The engine calls back on its loop thread; events go
 * into a buffer and are turned into JSON on Reactor's threads, so the loop never waits for a client.
 * Cancelling the stream (the client disconnected) cancels the engine requests, which frees their KV
 * blocks in the engine's next iteration.
 */
final class GenerationCall {
    private final InferenceEngine engine;
    private final List<GenerationRequest> requests;
    private final Sinks.Many<EngineEvent> sink = Sinks.many().unicast().onBackpressureBuffer();
    private int pending;
    private int promptTokens;
    private int completionTokens;

    private GenerationCall(InferenceEngine engine, List<GenerationRequest> requests) {
        this.engine = engine;
        this.requests = requests;
        this.pending = requests.size();
    }

    /**
     * Submits every request (request {@code r}'s choice {@code c} becomes response index
     * {@code r * n + c}) and returns their events. A refused submission cancels those already
     * submitted and becomes the matching HTTP error (429, 503, 400).
     */
    static Flux<EngineEvent> start(InferenceEngine engine, List<GenerationRequest> requests) {
        GenerationCall call = new GenerationCall(engine, requests);
        List<String> submitted = new ArrayList<>();
        try {
            int offset = 0;
            for (GenerationRequest r : requests) {
                engine.submit(r, call.listener(offset));
                submitted.add(r.id());
                offset += r.n();
            }
        } catch (RuntimeException e) {
            submitted.forEach(engine::cancel);
            throw toApiException(e);
        }
        return call.sink.asFlux()
                .publishOn(Schedulers.parallel())
                .doOnCancel(() -> submitted.forEach(engine::cancel));
    }

    static ApiException toApiException(RuntimeException e) {
        return switch (e) {
            case QueueFullException q -> ApiException.queueFull(q.getMessage(), 1);
            case NotAdmittingException n -> ApiException.unavailable("server_draining", n.getMessage());
            case PromptTooLongException p -> ApiException.invalid("prompt", "context_length_exceeded", p.getMessage());
            case IllegalArgumentException i -> ApiException.invalid("prompt", i.getMessage());
            case ApiException a -> a;
            default -> throw e;
        };
    }

    private GenerationListener listener(int offset) {
        return new GenerationListener() {
            @Override
            public void onToken(TokenEvent event) {
                sink.tryEmitNext(new EngineEvent.Token(offset + event.choice(), event));
            }

            @Override
            public void onChoiceEnd(ChoiceEnd end) {
                sink.tryEmitNext(new EngineEvent.End(offset + end.choice(), end));
            }

            @Override
            public void onComplete(Usage usage) {
                // Called on the engine loop thread only, so the counts need no lock.
                promptTokens += usage.promptTokens();
                completionTokens += usage.completionTokens();
                if (--pending == 0) {
                    sink.tryEmitNext(new EngineEvent.Done(new Usage(promptTokens, completionTokens)));
                    sink.tryEmitComplete();
                }
            }
        };
    }
}
