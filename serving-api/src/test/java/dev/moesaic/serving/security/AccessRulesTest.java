package dev.moesaic.serving.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moesaic.serving.ServerTestSupport;
import dev.moesaic.serving.host.ModelHost;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Issue 11's attack table and its variants, sent over a raw socket to a server with API keys and an
 * admin token: every spelling of a protected path without the right credentials is refused, nothing
 * it asked for happens (no scaling operation, no generated token), and the right credentials still work.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"moesaic.api-keys=k1,k2", "moesaic.admin-token=sec", "moesaic.devices=1"})
@DirtiesContext
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessRulesTest {
    private static final String SCALE = "{\"devices\":2}";
    private static final String CHAT = "{\"model\":\"builtin:tiny-moe\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"max_tokens\":4}";
    private static final String ADMIN = "Authorization: Bearer sec";
    private static final String KEY = "Authorization: Bearer k1";

    @Value("${local.server.port}")
    int port;
    @Autowired
    ModelHost host;
    private long tokensBefore;

    record Attempt(String method, String path, List<String> headers, String body) {
        @Override
        public String toString() {
            return method + " " + path + (headers.isEmpty() ? "" : " " + headers);
        }
    }

    @BeforeAll
    void ready() throws Exception {
        ServerTestSupport.awaitReady(host);
        tokensBefore = host.ready().engine().stats().generationTokens();
    }

    /** The table, then the variants: each one must be refused. */
    Stream<Attempt> refused() {
        List<Attempt> a = new ArrayList<>();
        // The measured bypasses.
        a.add(new Attempt("GET", "/admin;x=1/placement", List.of(), null));
        a.add(new Attempt("POST", "/admin;x=1/scale", List.of(), SCALE));
        a.add(new Attempt("GET", "/%61dmin/placement", List.of(), null));
        a.add(new Attempt("POST", "/%61dmin/scale", List.of(), SCALE));
        a.add(new Attempt("POST", "/v1;x=1/chat/completions", List.of(), CHAT));
        a.add(new Attempt("GET", "/%76%31/models", List.of(), null));
        a.add(new Attempt("GET", "/v1/models;x=1", List.of(), null));
        // Matrix variables in each segment.
        for (String path : List.of("/admin/scale", "/v1/chat/completions", "/v1/models", "/admin/placement")) {
            String[] segments = path.substring(1).split("/");
            for (int i = 0; i < segments.length; i++) {
                String[] copy = segments.clone();
                copy[i] = copy[i] + ";jsessionid=1";
                a.add(attempt("/" + String.join("/", copy), path));
            }
        }
        // Percent-encoding of each character (letters, digits and slashes), upper- and lower-case hex.
        for (String path : List.of("/admin/scale", "/v1/chat/completions", "/v1/models")) {
            for (int i = 0; i < path.length(); i++) {
                String hex = String.format("%%%02X", (int) path.charAt(i));
                a.add(attempt(path.substring(0, i) + hex + path.substring(i + 1), path));
                if (!hex.equals(hex.toLowerCase())) {
                    a.add(attempt(path.substring(0, i) + hex.toLowerCase() + path.substring(i + 1), path));
                }
            }
        }
        // Case, empty and dot segments, trailing slashes, backslashes.
        for (String p : List.of("/ADMIN/scale", "/Admin/Scale", "/aDmIn/scale", "/V1/chat/completions", "/v1/Chat/Completions",
                "//admin/scale", "/admin//scale", "/./admin/scale", "/admin/./scale", "/x/../admin/scale", "/admin/x/../scale",
                "/admin/scale/", "/admin/scale/.", "/admin\\scale", "//v1/chat/completions", "/v1/chat/completions/",
                "/v1/x/../chat/completions", "/v1/./chat/completions", "/admin/scale?x=1", "/admin/scale?/v1/models")) {
            a.add(attempt(p, p.toLowerCase().contains("admin") ? "/admin/scale" : "/v1/chat/completions"));
        }
        for (String p : List.of("/admin/placement/", "/ADMIN/placement", "/admin/placement?", "/admin/placement?a=/health")) {
            a.add(new Attempt("GET", p, List.of(), null));
        }
        // Other methods.
        a.add(new Attempt("HEAD", "/admin/placement", List.of(), null));
        a.add(new Attempt("OPTIONS", "/admin/placement", List.of(), null));
        a.add(new Attempt("OPTIONS", "/admin/scale", List.of("Access-Control-Request-Method: POST", "Origin: http://evil.example"), null));
        a.add(new Attempt("HEAD", "/v1/models", List.of(), null));
        a.add(new Attempt("DELETE", "/admin/scale", List.of(), null));
        // Odd Authorization forms and keys of another role.
        String basic = "Basic " + Base64.getEncoder().encodeToString("admin:sec".getBytes());
        for (String auth : List.of("Authorization: bearer sec", "Authorization: BEARER sec", "Authorization: Bearersec",
                "Authorization: Bearer ", "Authorization: Bearer", "Authorization: Bearer  sec", "Authorization: Bearer sec x",
                "Authorization: " + basic, "Authorization: Token sec", "Authorization: sec", KEY, "Authorization: Bearer k2",
                "Authorization: Bearer SEC", "Authorization: Bearer se")) {
            a.add(new Attempt("POST", "/admin/scale", List.of(auth), SCALE));
            a.add(new Attempt("GET", "/admin/placement", List.of(auth), null));
        }
        a.add(new Attempt("POST", "/admin/scale", List.of(ADMIN, "Authorization: Bearer x"), SCALE));
        for (String auth : List.of("Authorization: bearer k1", "Authorization: Bearerk1", "Authorization: Bearer ",
                "Authorization: Basic " + Base64.getEncoder().encodeToString("k1:".getBytes()), ADMIN,
                "Authorization: Bearer K1", "Authorization: Bearer k1k2")) {
            a.add(new Attempt("POST", "/v1/chat/completions", List.of(auth), CHAT));
            a.add(new Attempt("GET", "/v1/models", List.of(auth), null));
        }
        return a.stream();
    }

    private static Attempt attempt(String path, String target) {
        return target.equals("/admin/scale") ? new Attempt("POST", path, List.of(), SCALE)
                : target.equals("/v1/chat/completions") ? new Attempt("POST", path, List.of(), CHAT)
                : new Attempt("GET", path, List.of(), null);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("refused")
    void isRefused(Attempt attempt) throws Exception {
        RawHttp.Response r = RawHttp.send(port, attempt.method(), attempt.path(), attempt.headers(), attempt.body());
        assertThat(r.status()).as("%s -> %s", attempt, r.text()).isIn(400, 401, 403, 404, 405);
        boolean rejectedByTheHttpParser = attempt.path().contains("\\"); // Netty's empty 400 for an invalid request line
        if (!attempt.method().equals("HEAD") && !rejectedByTheHttpParser) {
            assertThat(r.text()).as("an OpenAI error body").contains("\"error\"");
        }
    }

    @Test
    void theVariantTableIsLargeEnough() {
        assertThat(refused().count()).isGreaterThanOrEqualTo(60);
    }

    @Test
    void pathsAStrangerCouldNormalizeAreRefusedWith400BeforeRouting() throws Exception {
        for (String p : List.of("/admin;x=1/placement", "/%61dmin/placement", "/v1/models;x=1", "//v1/models", "/v1/./models",
                "/v1/x/../models", "/v1/models/", "/v1%2Fmodels", "/v1%2fmodels", "/v1/%2E%2E/v1/models")) {
            RawHttp.Response r = RawHttp.send(port, "GET", p, List.of(KEY, ADMIN), null);
            assertThat(r.status()).as(p).isEqualTo(400);
            assertThat(r.text()).contains("\"type\":\"invalid_request_error\"", "\"code\":\"invalid_path\"");
        }
    }

    @Test
    void theRightCredentialsStillWork() throws Exception {
        assertThat(RawHttp.send(port, "GET", "/admin/placement", List.of(ADMIN), null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "HEAD", "/admin/placement", List.of(ADMIN), null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/v1/models", List.of(KEY), null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/v1/models?x=1", List.of("Authorization: Bearer k2"), null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "POST", "/v1/chat/completions", List.of(KEY), CHAT).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/health", List.of(), null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/ready", List.of(), null).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/metrics", List.of(), null).status()).isEqualTo(200);
        // A path no route matches: strangers get 401, holders of a credential the router's answer.
        assertThat(RawHttp.send(port, "GET", "/nope", List.of(), null).status()).isEqualTo(401);
        assertThat(RawHttp.send(port, "GET", "/nope", List.of(KEY), null).status()).isEqualTo(404);
        assertThat(RawHttp.send(port, "DELETE", "/admin/scale", List.of(ADMIN), null).status()).isEqualTo(405);
    }

    @AfterAll
    void nothingTheRefusedRequestsAskedForHappened() throws Exception {
        RawHttp.Response ops = RawHttp.send(port, "GET", "/admin/scale", List.of(ADMIN), null);
        assertThat(ops.text()).as("no scaling operation was started").contains("{\"operations\":[]}");
        RawHttp.Response placement = RawHttp.send(port, "GET", "/admin/placement", List.of(ADMIN), null);
        assertThat(placement.text()).as("still one device").contains("\"name\":\"device-0\"").doesNotContain("device-1");
        // theRightCredentialsStillWork generated at most 4 tokens; the refused chats none.
        assertThat(host.ready().engine().stats().generationTokens() - tokensBefore).isLessThanOrEqualTo(4);
    }
}
