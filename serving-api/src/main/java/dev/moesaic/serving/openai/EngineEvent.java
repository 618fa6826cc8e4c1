package dev.moesaic.serving.openai;

import dev.moesaic.engine.runtime.ChoiceEnd;
import dev.moesaic.engine.runtime.TokenEvent;
import dev.moesaic.engine.runtime.Usage;

/** What a {@link GenerationCall} streams: tokens and ends of choices (by response index), then the usage once. */
sealed interface EngineEvent {
    record Token(int index, TokenEvent event) implements EngineEvent {
    }

    record End(int index, ChoiceEnd end) implements EngineEvent {
    }

    record Done(Usage usage) implements EngineEvent {
    }
}
