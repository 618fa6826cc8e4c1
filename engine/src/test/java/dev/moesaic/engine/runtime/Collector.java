package dev.moesaic.engine.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A listener that records everything a request produced, per choice. */
final class Collector implements GenerationListener {
    final List<List<Integer>> tokens = new ArrayList<>();
    final List<StringBuilder> text = new ArrayList<>();
    final List<List<TokenLogprob>> logprobs = new ArrayList<>();
    final List<ChoiceEnd> ends = new ArrayList<>();
    final CompletableFuture<Usage> done = new CompletableFuture<>();
    private final Thread[] callbackThread = new Thread[1];

    Collector(int n) {
        for (int i = 0; i < n; i++) {
            tokens.add(new ArrayList<>());
            text.add(new StringBuilder());
            logprobs.add(new ArrayList<>());
            ends.add(null);
        }
    }

    @Override
    public synchronized void onToken(TokenEvent e) {
        callbackThread[0] = Thread.currentThread();
        tokens.get(e.choice()).add(e.token());
        text.get(e.choice()).append(e.text());
        if (e.logprob() != null) {
            logprobs.get(e.choice()).add(e.logprob());
        }
        if (ends.get(e.choice()) != null) {
            throw new AssertionError("token after the end of choice " + e.choice());
        }
    }

    @Override
    public synchronized void onChoiceEnd(ChoiceEnd end) {
        if (ends.get(end.choice()) != null) {
            throw new AssertionError("choice " + end.choice() + " ended twice");
        }
        ends.set(end.choice(), end);
        text.get(end.choice()).append(end.text());
    }

    @Override
    public synchronized void onComplete(Usage usage) {
        for (ChoiceEnd e : ends) {
            if (e == null) {
                throw new AssertionError("complete before every choice ended");
            }
        }
        done.complete(usage);
    }

    synchronized int[] ids(int choice) {
        return tokens.get(choice).stream().mapToInt(Integer::intValue).toArray();
    }

    synchronized String text(int choice) {
        return text.get(choice).toString();
    }

    synchronized ChoiceEnd end(int choice) {
        return ends.get(choice);
    }

    boolean isDone() {
        return done.isDone();
    }
}
