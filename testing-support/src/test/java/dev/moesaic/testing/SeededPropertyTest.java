package dev.moesaic.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SeededPropertyTest {
    /** Fails exactly the cases that draw x = 7, at step 3 of 5. */
    private static final SeededProperty.Property FAILS_WHEN_X_IS_7 = c -> {
        int x = c.integer("x", 0, 9);
        for (int i = 0; i < 5; i++) {
            c.step(i, "operation " + i);
            assertThat(i == 3 && x == 7).as("x = 7 fails at step 3").isFalse();
        }
    };

    private static final List<String> SETTINGS =
            List.of(SeededProperty.SEED, SeededProperty.MULTIPLIER, SeededProperty.MASTER);
    /** What the run was started with (say -Dmoesaic.property.multiplier=10): these tests need the defaults. */
    private final Map<String, String> given = new HashMap<>();

    @BeforeEach
    void startFromTheDefaults() {
        for (String name : SETTINGS) {
            String value = System.clearProperty(name);
            if (value != null) {
                given.put(name, value);
            }
        }
    }

    @AfterEach
    void restoreTheGivenSettings() {
        SETTINGS.forEach(System::clearProperty);
        given.forEach(System::setProperty);
    }

    @Test
    void everyRunChecksTheSameDistinctCases() {
        List<Long> first = new ArrayList<>();
        SeededProperty.check(50, c -> first.add(c.seed()));
        List<Long> second = new ArrayList<>();
        SeededProperty.check(50, c -> second.add(c.seed()));
        assertThat(first).hasSize(50).doesNotHaveDuplicates().isEqualTo(second);
    }

    @Test
    void aMultiplierRunsTheDefaultCasesFirstThenNewOnes() {
        List<Long> usual = new ArrayList<>();
        SeededProperty.check(20, c -> usual.add(c.seed()));
        System.setProperty(SeededProperty.MULTIPLIER, "3");
        List<Long> more = new ArrayList<>();
        SeededProperty.check(20, c -> more.add(c.seed()));
        assertThat(more).hasSize(60).doesNotHaveDuplicates().startsWith(usual.toArray(Long[]::new));
    }

    @Test
    void aFailureNamesTheCaseSeedInputsAndStepAndTheSeedReplaysIt() {
        AssertionError failure = null;
        try {
            SeededProperty.check(200, FAILS_WHEN_X_IS_7);
        } catch (AssertionError e) {
            failure = e;
        }
        assertThat(failure).isNotNull()
                .hasMessageContaining(
                        "SeededPropertyTest#aFailureNamesTheCaseSeedInputsAndStepAndTheSeedReplaysIt failed")
                .hasMessageContaining("of 200")
                .hasMessageContaining("inputs: x=7")
                .hasMessageContaining("at step 3: operation 3")
                .hasMessageContaining("-D" + SeededProperty.SEED + "=0x");
        assertThat(failure.getCause()).hasMessageContaining("x = 7 fails at step 3");

        Matcher seed = Pattern.compile(Pattern.quote(SeededProperty.SEED) + "=(0x[0-9a-f]+)")
                .matcher(failure.getMessage());
        assertThat(seed.find()).isTrue();
        System.setProperty(SeededProperty.SEED, seed.group(1));
        List<Integer> drawn = new ArrayList<>();
        SeededProperty.check(200, c -> drawn.add(c.integer("x", 0, 9)));
        assertThat(drawn).as("only the replayed case runs, drawing the same input").containsExactly(7);
        assertThatThrownBy(() -> SeededProperty.check(200, FAILS_WHEN_X_IS_7))
                .hasMessageContaining("failed on case 1 of 1 (seed " + seed.group(1) + ")");
    }

    @Test
    void integersStayInRangeAndReachBothEnds() {
        List<Integer> values = new ArrayList<>();
        SeededProperty.check(200, c -> values.add(c.integer("v", -3, 1000)));
        assertThat(values).allSatisfy(v -> assertThat(v).isBetween(-3, 1000)).contains(-3, 1000);
    }

    @Test
    void aMalformedSeedSaysWhatToPass() {
        System.setProperty(SeededProperty.SEED, "seven");
        assertThatThrownBy(() -> SeededProperty.check(1, c -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-D" + SeededProperty.SEED + "=seven is not a seed");
    }
}
