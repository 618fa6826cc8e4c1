package dev.moesaic.serving.security;

import dev.moesaic.serving.MoesaicProperties;
import dev.moesaic.serving.api.ApiException;
import dev.moesaic.serving.api.ErrorResponses;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Who may call what, decided before any body is read, in three steps:
 * <ol>
 *   <li>The path must be canonical ({@link CanonicalPath}): no matrix parameters, encoded letters, digits or separators,
 *       backslashes, dot or empty segments, trailing slash; else 400. So the path we authorize is the
 *       path the router matches, character for character.</li>
 *   <li>The rule comes from the route the router matches, not from the path's spelling: the
 *       {@link Access} annotation of the handler that {@code requestMappingHandlerMapping} resolves
 *       for this exchange (the same lookup the dispatcher makes next). A matched handler without a
 *       rule is refused (403, deny by default; this includes OPTIONS, as no CORS is served). A request
 *       no route matches (404 or 405 next) needs a valid API key or the admin token once either is
 *       configured, so unauthenticated callers learn nothing about routes.</li>
 *   <li>The credentials: exactly {@code Authorization: Bearer TOKEN} (one header, scheme as written,
 *       one space, a non-empty token), compared in constant time. API keys open {@link AccessLevel#API}
 *       routes; the admin token opens {@link AccessLevel#ADMIN} routes only (an API key never opens
 *       them); with no admin token configured the admin API is off (403).</li>
 * </ol>
 * Also refuses bodies whose declared length is over {@code moesaic.max-body-size} (413).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class AccessFilter implements WebFilter {
    private final List<byte[]> apiKeys;
    private final byte[] adminToken;
    private final boolean metricsRequireKey;
    private final long maxBodyBytes;
    private final HandlerMapping routes;

    public AccessFilter(MoesaicProperties properties, @Qualifier("requestMappingHandlerMapping") HandlerMapping routes) {
        this.apiKeys = properties.keys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        String admin = properties.adminToken().trim();
        this.adminToken = admin.isEmpty() ? null : admin.getBytes(StandardCharsets.UTF_8);
        this.metricsRequireKey = properties.metricsRequireKey();
        this.maxBodyBytes = properties.maxBodySize().toBytes();
        this.routes = routes;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String problem = CanonicalPath.problem(exchange.getRequest().getURI().getRawPath());
        if (problem != null) {
            return ErrorResponses.write(exchange.getResponse(), ApiException.invalid(null, "invalid_path", problem));
        }
        return matchedRule(exchange).flatMap(rule -> {
            ApiException denied = check(rule, exchange);
            if (denied == null && exchange.getRequest().getHeaders().getContentLength() > maxBodyBytes) {
                denied = ApiException.tooLarge(maxBodyBytes);
            }
            return denied == null ? chain.filter(exchange) : ErrorResponses.write(exchange.getResponse(), denied);
        });
    }

    /** The rule of the route the router matches: the Access level, empty level for "matched, but no rule", or NO_ROUTE. */
    private Mono<Rule> matchedRule(ServerWebExchange exchange) {
        return routes.getHandler(exchange)
                .map(handler -> new Rule(Optional.ofNullable(levelOf(handler)), true))
                .defaultIfEmpty(Rule.NO_ROUTE)
                .onErrorResume(e -> Mono.just(Rule.NO_ROUTE)); // 405/415 follow; treated as no route
    }

    /** The level a handler declares, or null. */
    static AccessLevel levelOf(Object handler) {
        if (!(handler instanceof HandlerMethod method)) {
            return null;
        }
        Access onMethod = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(), Access.class);
        if (onMethod != null) {
            return onMethod.value();
        }
        Access onType = AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), Access.class);
        return onType == null ? null : onType.value();
    }

    private ApiException check(Rule rule, ServerWebExchange exchange) {
        if (!rule.matched()) {
            return unmatched(exchange);
        }
        if (rule.level().isEmpty()) {
            return ApiException.forbidden("this route has no access rule, so it is refused");
        }
        return switch (rule.level().get()) {
            case PUBLIC -> null;
            case METRICS -> metricsRequireKey && !apiKeys.isEmpty() ? apiKey(exchange) : null;
            case API -> apiKeys.isEmpty() ? null : apiKey(exchange);
            case ADMIN -> admin(exchange);
        };
    }

    /** No route: any valid credential (API key or admin token) once either is configured, so 404/405 tell strangers nothing. */
    private ApiException unmatched(ServerWebExchange exchange) {
        if (apiKeys.isEmpty() && adminToken == null) {
            return null;
        }
        String presented = bearer(exchange);
        boolean ok = matches(presented, apiKeys) | (adminToken != null && matches(presented, List.of(adminToken)));
        return ok ? null : ApiException.unauthorized("this request needs 'Authorization: Bearer <key>'");
    }

    private ApiException apiKey(ServerWebExchange exchange) {
        String presented = bearer(exchange);
        if (matches(presented, apiKeys)) {
            return null;
        }
        return ApiException.unauthorized(presented == null
                ? "missing API key: send 'Authorization: Bearer <key>'"
                : "the API key is not valid; check the key you send in 'Authorization: Bearer <key>'");
    }

    private ApiException admin(ServerWebExchange exchange) {
        if (adminToken == null) {
            return ApiException.forbidden("the admin API is disabled: start the server with moesaic.admin-token "
                    + "(MOESAIC_ADMIN_TOKEN, --admin-token) set");
        }
        return matches(bearer(exchange), List.of(adminToken)) ? null
                : ApiException.unauthorized("the admin API needs 'Authorization: Bearer <admin token>'");
    }

    /** The token of the one {@code Authorization: Bearer TOKEN} header, or null for anything else. */
    static String bearer(ServerWebExchange exchange) {
        List<String> values = exchange.getRequest().getHeaders().getOrEmpty(HttpHeaders.AUTHORIZATION);
        if (values.size() != 1) {
            return null;
        }
        String auth = values.get(0);
        if (!auth.startsWith("Bearer ")) {
            return null;
        }
        String token = auth.substring(7);
        if (token.isEmpty() || !token.strip().equals(token) || token.chars().anyMatch(Character::isWhitespace)) {
            return null;
        }
        return token;
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

    private record Rule(Optional<AccessLevel> level, boolean matched) {
        static final Rule NO_ROUTE = new Rule(Optional.empty(), false);
    }
}
