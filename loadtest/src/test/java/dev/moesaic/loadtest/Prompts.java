package dev.moesaic.loadtest;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic prompts of a chosen length class, so runs are repeatable and prompt length (prefill
 * work) is the variable under test. Lengths are in words; a word is about 1.3 tokens for English BPE.
 */
public final class Prompts {
    /** A prompt length class and its share of a mixed workload. */
    public record LengthClass(String name, int words, double share) {
        public LengthClass {
            if (words <= 0 || share < 0) throw new IllegalArgumentException(name + ": words must be > 0, share >= 0");
        }
    }

    /** Short chat turns dominate real traffic; a tail of long prompts stresses chunked prefill. */
    public static final List<LengthClass> MIXED = List.of(
            new LengthClass("short", 8, 0.6),
            new LengthClass("medium", 96, 0.3),
            new LengthClass("long", 480, 0.1));

    private static final String[] WORDS = ("the a river mountain city engine expert router token memory device "
            + "scale balance story question answer light shadow garden window music number bridge forest ocean "
            + "winter summer market signal paper stone silver quiet rapid gentle bright").split(" ");

    private final SplittableRandom random;

    public Prompts(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** A prompt of exactly {@code words} words, ending with an instruction so the model has something to do. */
    public synchronized String prompt(int words) {
        if (words <= 0) throw new IllegalArgumentException("a prompt needs at least one word, got " + words);
        var text = new StringBuilder("Continue this text:");
        for (int i = 1; i < words; i++) {
            text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
        }
        return text.toString();
    }

    /** Picks a class by its share: {@code u} in [0, 1) maps onto the cumulative shares. */
    public static LengthClass pick(List<LengthClass> classes, double u) {
        double total = classes.stream().mapToDouble(LengthClass::share).sum();
        if (!(total > 0)) throw new IllegalArgumentException("length classes have no positive share: " + classes);
        double target = u * total;
        double cumulative = 0;
        for (LengthClass c : classes) {
            cumulative += c.share();
            if (target < cumulative) return c;
        }
        return classes.getLast();
    }

    public synchronized LengthClass pick(List<LengthClass> classes) {
        return pick(classes, random.nextDouble());
    }
}
