package dev.moesaic.engine.runtime;

import dev.moesaic.engine.tokenizer.StreamingDecoder;
import java.util.List;

/**
 * One choice's output text: generated ids through the streaming detokenizer (complete UTF-8 only),
 * then through the stop-string filter.
 */
final class OutputText {
    private final StreamingDecoder decoder;
    private final StopStringFilter stops;

    OutputText(StreamingDecoder decoder, List<String> stopStrings) {
        this.decoder = decoder;
        this.stops = new StopStringFilter(stopStrings);
    }

    /** Text made visible by generated token {@code id}. */
    String accept(int id) {
        return stops.push(decoder.accept(id));
    }

    /** Whether a stop string has been seen (the choice is over). */
    boolean stopped() {
        return stops.matched();
    }

    /** Everything still held back, at the end of the choice. */
    String finish() {
        String tail = stops.push(decoder.finish());
        return stops.matched() ? tail : tail + stops.flush();
    }
}
