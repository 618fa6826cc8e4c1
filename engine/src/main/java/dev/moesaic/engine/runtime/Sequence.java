package dev.moesaic.engine.runtime;

import dev.moesaic.engine.sampler.Sampler;
import java.util.Arrays;

/**
 * One choice being generated: its tokens (prompt, then output), how many of them are in the KV
 * cache, its sampler (whose random stream survives preemption, so a recomputed sequence continues
 * exactly as it would have) and its output text. Owned by the engine loop thread.
 */
final class Sequence implements RunningSequence {
    enum Status { WAITING, RUNNING, FINISHED }

    final RequestState request;
    final int choice;
    final Sampler sampler;
    final OutputText text;
    final long order; // admission priority: lower runs first and is preempted last
    private int[] tokens;
    private int length;
    final int promptLength;
    int computed;
    int generated;
    SequenceKv kv;
    Status status = Status.WAITING;
    long lastTokenNanos;
    long scheduledIn = -1; // the scheduler's iteration that last put it in a batch

    Sequence(RequestState request, int choice, Sampler sampler, OutputText text, long order) {
        this.request = request;
        this.choice = choice;
        this.sampler = sampler;
        this.text = text;
        this.order = order;
        int[] prompt = request.request.prompt();
        this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(request.request.maxTokens(), 256));
        this.length = prompt.length;
        this.promptLength = prompt.length;
    }

    void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[length++] = token;
    }

    int token(int index) {
        return tokens[index];
    }

    /** Tokens still to run through the model before the next token can be sampled. */
    int remaining() {
        return length - computed;
    }

    @Override
    public String requestId() {
        return request.request.id();
    }

    @Override
    public int choice() {
        return choice;
    }

    @Override
    public int tokens() {
        return length;
    }

    @Override
    public int computedTokens() {
        return computed;
    }

    @Override
    public SequenceKv kv() {
        return kv;
    }

    @Override
    public String toString() {
        return "sequence " + requestId() + "#" + choice + " (" + status + ", " + computed + "/" + length + " tokens computed)";
    }
}
