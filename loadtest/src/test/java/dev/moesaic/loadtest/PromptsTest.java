package dev.moesaic.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptsTest {
    @Test
    void promptHasExactlyTheRequestedWordCount() {
        var prompts = new Prompts(1);
        for (int words : new int[] {1, 2, 8, 96, 480}) {
            assertThat(prompts.prompt(words).split(" ")).hasSize(words + 2); // "Continue this text:" is 3 words
        }
        assertThatThrownBy(() -> prompts.prompt(0)).hasMessageContaining("at least one word");
    }

    @Test
    void sameSeedSamePrompts() {
        assertThat(new Prompts(42).prompt(50)).isEqualTo(new Prompts(42).prompt(50));
        assertThat(new Prompts(42).prompt(50)).isNotEqualTo(new Prompts(43).prompt(50));
    }

    @Test
    void pickMapsUnitIntervalOntoCumulativeShares() {
        var classes = Prompts.MIXED;
        assertThat(Prompts.pick(classes, 0.0).name()).isEqualTo("short");
        assertThat(Prompts.pick(classes, 0.5999).name()).isEqualTo("short");
        assertThat(Prompts.pick(classes, 0.6).name()).isEqualTo("medium");
        assertThat(Prompts.pick(classes, 0.8999).name()).isEqualTo("medium");
        assertThat(Prompts.pick(classes, 0.9).name()).isEqualTo("long");
        assertThat(Prompts.pick(classes, 0.99999).name()).isEqualTo("long");
    }

    @Test
    void randomPicksFollowTheShares() {
        var prompts = new Prompts(5);
        Map<String, Integer> counts = new HashMap<>();
        int n = 20_000;
        for (int i = 0; i < n; i++) counts.merge(prompts.pick(Prompts.MIXED).name(), 1, Integer::sum);
        assertThat(counts.get("short") / (double) n).isBetween(0.58, 0.62);
        assertThat(counts.get("medium") / (double) n).isBetween(0.28, 0.32);
        assertThat(counts.get("long") / (double) n).isBetween(0.09, 0.11);
    }

    @Test
    void classesWithoutShareAreRefused() {
        assertThatThrownBy(() -> Prompts.pick(List.of(new Prompts.LengthClass("x", 1, 0)), 0.5))
                .hasMessageContaining("no positive share");
    }
}
