package dev.moesaic.serving.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.serving.ServerTestSupport;
import dev.moesaic.serving.host.ModelHost;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/** No admin token: the admin API is closed (403) for every credential; --metrics-require-key puts /metrics behind a key. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"moesaic.api-keys=k1", "moesaic.metrics-require-key=true"})
@DirtiesContext
class ClosedAdminTest {
    @Value("${local.server.port}")
    int port;
    @Autowired
    ModelHost host;

    @Test
    void theAdminApiIsClosedWithoutAnAdminToken() throws Exception {
        ServerTestSupport.awaitReady(host);
        for (List<String> headers : List.of(List.<String>of(), List.of("Authorization: Bearer k1"), List.of("Authorization: Bearer "))) {
            RawHttp.Response r = RawHttp.send(port, "POST", "/admin/scale", headers, "{\"devices\":2}");
            assertThat(r.status()).as("%s", headers).isEqualTo(403);
            assertThat(r.text()).contains("admin API is disabled");
            assertThat(RawHttp.send(port, "GET", "/admin/placement", headers, null).status()).isEqualTo(403);
        }
    }

    @Test
    void metricsNeedAKeyWhenAsked() throws Exception {
        ServerTestSupport.awaitReady(host);
        assertThat(RawHttp.send(port, "GET", "/metrics", List.of(), null).status()).isEqualTo(401);
        assertThat(RawHttp.send(port, "GET", "/metrics", List.of("Authorization: Bearer k1"), null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/health", List.of(), null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/ready", List.of(), null).status()).isEqualTo(200);
    }
}
