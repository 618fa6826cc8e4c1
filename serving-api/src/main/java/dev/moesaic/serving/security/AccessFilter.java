package dev.moesaic.serving.security;

import dev.moesaic.serving.MoesaicProperties;
import dev.moesaic.serving.api.ApiException;
import dev.moesaic.serving.api.ErrorResponses;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Who may call what, before any body is read:
 * <ul>
 *   <li>{@code /v1/**}: with {@code moesaic.api-keys} set, {@code Authorization: Bearer KEY} with one of
 *       them, else 401; without keys, everyone;</li>
 *   <li>{@code /admin/**}: {@code Authorization: Bearer} the {@code moesaic.admin-token}, else 401;
 *       without a token the admin API is off (403);</li>
 *   <li>{@code /health}, {@code /ready}, {@code /metrics}: everyone (probes and scrapers).</li>
 * </ul>
 * Also refuses bodies whose declared length is over {@code moesaic.max-body-size} (413) before
 * reading them. Tokens are compared in constant time.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class AccessFilter implements WebFilter {
    private final List<byte[]> apiKeys;
    private final byte[] adminToken;
    private final long maxBodyBytes;

    public AccessFilter(MoesaicProperties properties) {
        this.apiKeys = properties.keys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        String admin = properties.adminToken().trim();
        this.adminToken = admin.isEmpty() ? null : admin.getBytes(StandardCharsets.UTF_8);
        this.maxBodyBytes = properties.maxBodySize().toBytes();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        ApiException denied = null;
        if (path.equals("/admin") || path.startsWith("/admin/")) {
            if (adminToken == null) {
                denied = ApiException.forbidden("the admin API is disabled: start the server with moesaic.admin-token "
                        + "(MOESAIC_ADMIN_TOKEN) set");
            } else if (!matches(bearer(exchange), List.of(adminToken))) {
                denied = ApiException.unauthorized("the admin API needs 'Authorization: Bearer <admin token>'");
            }
        } else if (path.startsWith("/v1/") || path.equals("/v1")) {
            if (!apiKeys.isEmpty() && !matches(bearer(exchange), apiKeys)) {
                denied = ApiException.unauthorized(bearer(exchange) == null
                        ? "missing API key: send 'Authorization: Bearer <key>'"
                        : "the API key is not valid; check the key you send in 'Authorization: Bearer <key>'");
            }
        }
        if (denied == null && exchange.getRequest().getHeaders().getContentLength() > maxBodyBytes) {
            denied = ApiException.tooLarge(maxBodyBytes);
        }
        return denied == null ? chain.filter(exchange) : ErrorResponses.write(exchange.getResponse(), denied);
    }

    private static String bearer(ServerWebExchange exchange) {
        String auth = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return auth.substring(7).trim();
    }

    private static boolean matches(String presented, List<byte[]> accepted) {
        if (presented == null) {
            return false;
        }
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] a : accepted) {
            ok |= MessageDigest.isEqual(p, a); // no early exit: timing does not tell which key came close
        }
        return ok;
    }
}
