package dev.moesaic.serving.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalPathTest {
    @ParameterizedTest
    @ValueSource(strings = {"/", "/health", "/v1/models", "/v1/models/builtin:tiny-moe", "/admin/scale/op-1", "/v1/chat/completions",
            "/v1/models/builtin%3Atiny-moe", "/v1/models/a%20b", "/v1/models/%C3%A9"})
    void canonicalPathsPass(String path) {
        assertThat(CanonicalPath.problem(path)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "v1/models", "/v1;a/models", "/v1/models;", "/%761/models", "/v1%2fmodels", "/v1\\models", "//v1",
            "/v1//models", "/v1/./models", "/v1/../v1/models", "/v1/models/", "/v1/models/.", "/v1/models/..", "/v1/mo dels",
            "/v1/mod\u00e9ls", "/v1/models\t", "/%61dmin", "/v1/%2E%2E", "/v1/%2e", "/a%5Cb", "/a%3bb", "/a%25",
            "/a%2", "/a%zz", "/a%00", "/v1/models%7E"})
    void othersAreRefusedWithAReason(String path) {
        assertThat(CanonicalPath.problem(path)).isNotBlank();
    }
}
