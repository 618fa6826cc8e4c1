package dev.moesaic.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadSettingsTest {
    @Test
    void defaultsTargetALocalServer() {
        var s = LoadSettings.from(Map.of());
        assertThat(s.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(s.model()).isEmpty();
        assertThat(s.adminToken()).isEmpty();
        assertThat(s.rate()).isEqualTo(2.0);
        assertThat(s.duration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.p95Bound()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void readsEveryProperty() {
        var s = LoadSettings.from(Map.of(
                "moesaic.baseUrl", "http://localhost:9000/",
                "moesaic.model", "builtin:bench",
                "moesaic.apiKey", "sk-1",
                "moesaic.adminToken", " admin ",
                "moesaic.rate", "0.5",
                "moesaic.durationSeconds", "15",
                "moesaic.maxTokens", "64",
                "moesaic.p95Ms", "2500",
                "moesaic.requestTimeoutSeconds", "30"));
        assertThat(s.baseUrl()).isEqualTo(URI.create("http://localhost:9000"));
        assertThat(s.model()).contains("builtin:bench");
        assertThat(s.apiKey()).contains("sk-1");
        assertThat(s.adminToken()).contains("admin");
        assertThat(s.rate()).isEqualTo(0.5);
        assertThat(s.duration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(s.maxTokens()).isEqualTo(64);
        assertThat(s.p95Bound()).isEqualTo(Duration.ofMillis(2500));
        assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void blankOptionalValuesAreAbsent() {
        assertThat(LoadSettings.from(Map.of("moesaic.adminToken", "  ")).adminToken()).isEmpty();
    }

    @Test
    void errorsNameThePropertyAndTheValue() {
        assertThatThrownBy(() -> LoadSettings.from(Map.of("moesaic.rate", "-1")))
                .isInstanceOf(LoadSettingsException.class)
                .hasMessageContaining("-Dmoesaic.rate=-1")
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> LoadSettings.from(Map.of("moesaic.durationSeconds", "ten")))
                .isInstanceOf(LoadSettingsException.class)
                .hasMessageContaining("-Dmoesaic.durationSeconds=ten");
        assertThatThrownBy(() -> LoadSettings.from(Map.of("moesaic.baseUrl", "localhost:8080")))
                .isInstanceOf(LoadSettingsException.class)
                .hasMessageContaining("http(s) URL");
        assertThatThrownBy(() -> LoadSettings.from(Map.of("moesaic.rate", "Infinity")))
                .isInstanceOf(LoadSettingsException.class);
    }

    @Test
    void nonNegativeIntAcceptsZero() {
        var p = new LoadSettings.Properties(Map.of("moesaic.scaleTo", "0", "moesaic.x", "-2"));
        assertThat(p.nonNegativeInt("moesaic.scaleTo", 4)).isZero();
        assertThat(p.nonNegativeInt("moesaic.missing", 4)).isEqualTo(4);
        assertThatThrownBy(() -> p.nonNegativeInt("moesaic.x", 1)).hasMessageContaining("-Dmoesaic.x=-2");
    }
}
