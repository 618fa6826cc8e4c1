package dev.moesaic.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs a property for many generated cases, each drawn from its own seed, and on failure names the seed, the
 * inputs and the step that failed, so that one case can be replayed alone. The case seeds come from a fixed
 * master seed: every run checks the same cases, and a failure on one machine fails on every machine.
 *
 * <p>System properties (pass them to {@code mvn ... test}):
 * <ul>
 *   <li>{@value #SEED} = a case seed from a failure message: run only that case;</li>
 *   <li>{@value #MULTIPLIER} = N: run N times as many cases (the default cases first, then new ones);</li>
 *   <li>{@value #MASTER} = any long: derive the cases from another master seed.</li>
 * </ul>
 *
 * <p>Lives in testing-support, a test-scope dependency of the modules that use it.
 */
public final class SeededProperty {
    public static final String SEED = "moesaic.property.seed";
    public static final String MULTIPLIER = "moesaic.property.multiplier";
    public static final String MASTER = "moesaic.property.master";
    /** "Moesaic" in ASCII: any fixed value would do; fixed is what matters. */
    public static final long MASTER_SEED = 0x4D6F6573616963L;
    /** The module whose tests run: surefire runs them in the module's directory. */
    private static final String MODULE = Path.of(System.getProperty("user.dir")).getFileName().toString();

    private SeededProperty() {
    }

    /** The property itself: draws its inputs from the case and throws (usually an AssertionError) if it fails. */
    @FunctionalInterface
    public interface Property {
        void check(Case c) throws Exception;
    }

    /**
     * Checks {@code property} on {@code cases} seeds (times {@value #MULTIPLIER}), stopping at the first failure,
     * which is rethrown as an AssertionError saying how to replay it.
     */
    public static void check(int cases, Property property) {
        if (cases < 1) {
            throw new IllegalArgumentException("a property needs at least one case, got " + cases);
        }
        String test = callingTest();
        String only = System.getProperty(SEED);
        if (only != null && !only.isBlank()) {
            run(test, 1, 1, parseSeed(only), property);
            return;
        }
        int total = Math.multiplyExact(cases, positiveInt(MULTIPLIER, 1));
        SplittableRandom master = new SplittableRandom(masterSeed());
        for (int i = 1; i <= total; i++) {
            run(test, i, total, master.nextLong(), property);
        }
    }

    /** Formats a case seed the way {@value #SEED} reads it back. */
    public static String formatSeed(long seed) {
        return "0x" + Long.toHexString(seed);
    }

    private static void run(String test, int index, int total, long seed, Property property) {
        Case c = new Case(seed);
        try {
            property.check(c);
        } catch (AssertionError | Exception failure) {
            String inputs = c.inputs.isEmpty() ? "(none drawn)" : String.join(", ", c.inputs);
            String step = c.stepIndex < 0 ? "" : "\n  at step " + c.stepIndex + ": " + c.stepDetail;
            throw new AssertionError(test + " failed on case " + index + " of " + total
                    + " (seed " + formatSeed(seed) + ")\n  inputs: " + inputs + step
                    + "\n  replay: mvn -B -o -pl " + MODULE + " -am test -Dsurefire.failIfNoSpecifiedTests=false"
                    + " -Dtest=" + test + " -D" + SEED + "=" + formatSeed(seed)
                    + "\n  cause: " + failure, failure);
        }
    }

    /** {@code Class#method} of the test that called {@link #check}, for the replay command. */
    private static String callingTest() {
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .filter(f -> f.getDeclaringClass() != SeededProperty.class)
                .findFirst()
                .map(f -> f.getDeclaringClass().getSimpleName() + "#" + f.getMethodName())
                .orElse("property"));
    }

    private static long parseSeed(String text) {
        String trimmed = text.trim();
        try {
            return trimmed.startsWith("0x") || trimmed.startsWith("0X")
                    ? Long.parseUnsignedLong(trimmed.substring(2), 16)
                    : Long.parseLong(trimmed);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + SEED + "=" + text + " is not a seed: pass the value a failure"
                    + " message printed, e.g. 0x1f2e3d4c5b6a7988", e);
        }
    }

    private static long masterSeed() {
        String text = System.getProperty(MASTER);
        if (text == null || text.isBlank()) {
            return MASTER_SEED;
        }
        return parseSeed(text);
    }

    private static int positiveInt(String name, int fallback) {
        String text = System.getProperty(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("-D" + name + "=" + text + " must be a whole number of at least 1");
    }

    /**
     * One generated case: its random source, the inputs drawn so far (named, for the failure message), and the
     * step a sequence property has reached.
     */
    public static final class Case {
        private final long seed;
        private final SplittableRandom random;
        private final List<String> inputs = new ArrayList<>();
        private int stepIndex = -1;
        private Object stepDetail;

        private Case(long seed) {
            this.seed = seed;
            this.random = new SplittableRandom(seed);
        }

        public long seed() {
            return seed;
        }

        /** For inputs too many to name one by one (operation lists); the seed still replays them. */
        public SplittableRandom random() {
            return random;
        }

        /**
         * A named input in {@code [min, max]}. Each end comes up one time in ten on its own, because boundary
         * values are where off-by-ones hide and a uniform draw over a wide range rarely hits them.
         */
        public int integer(String name, int min, int max) {
            if (min > max) {
                throw new IllegalArgumentException(name + ": empty range [" + min + ", " + max + "]");
            }
            int roll = random.nextInt(10);
            int value = roll == 0 ? min : roll == 1 ? max : random.nextInt(min, max + 1);
            inputs.add(name + "=" + value);
            return value;
        }

        public boolean bool(String name) {
            boolean value = random.nextBoolean();
            inputs.add(name + "=" + value);
            return value;
        }

        /** Records that a sequence property is at step {@code index} doing {@code detail}; shown on failure. */
        public void step(int index, Object detail) {
            this.stepIndex = index;
            this.stepDetail = detail;
        }
    }
}
