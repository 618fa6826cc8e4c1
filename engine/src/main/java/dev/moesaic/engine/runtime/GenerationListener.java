package dev.moesaic.engine.runtime;

/**
 * Receives a request's output as the engine produces it. Every call comes from the engine loop
 * thread, so implementations must return quickly and never block (hand the event to another thread
 * or a reactive sink). For each choice: zero or more {@link #onToken}, then exactly one
 * {@link #onChoiceEnd}; after every choice has ended, exactly one {@link #onComplete}. A listener
 * that throws gets its request aborted; the engine and other requests go on.
 */
public interface GenerationListener {
    void onToken(TokenEvent event);

    void onChoiceEnd(ChoiceEnd end);

    void onComplete(Usage usage);
}
