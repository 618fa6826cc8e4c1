package dev.moesaic.serving.api;

import dev.moesaic.serving.MoesaicProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Turns every failure into an OpenAI error JSON: {@link ApiException}s as they are, framework errors
 * (no such route, wrong method, body too large) into their 4xx, and anything unexpected into a 500
 * whose message hides internals (the stack trace goes to the log, never to the client). Runs before
 * Spring's default handler, so no request ever gets Spring's whitelabel JSON or a stack trace.
 */
@Component
@Order(-2)
public final class ApiErrorHandler implements WebExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ApiErrorHandler.class);

    private final long maxBodyBytes;

    public ApiErrorHandler(MoesaicProperties properties) {
        this.maxBodyBytes = properties.maxBodySize().toBytes();
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        return ErrorResponses.write(exchange.getResponse(), toApiException(exchange, ex));
    }

    ApiException toApiException(ServerWebExchange exchange, Throwable ex) {
        if (ex instanceof ApiException api) {
            return api;
        }
        if (ex instanceof DataBufferLimitException || ex.getCause() instanceof DataBufferLimitException) {
            return ApiException.tooLarge(maxBodyBytes);
        }
        if (ex instanceof ResponseStatusException rse) {
            HttpStatusCode code = rse.getStatusCode();
            String path = exchange.getRequest().getPath().value();
            String method = exchange.getRequest().getMethod().name();
            if (code.value() == 404) {
                return ApiException.notFound("no route " + method + " " + path + "; the API is under /v1 "
                        + "(GET /v1/models, POST /v1/chat/completions, POST /v1/completions)");
            }
            if (code.value() == 405) {
                return ApiException.methodNotAllowed(method + " is not allowed on " + path);
            }
            if (code.value() == 415) {
                return ApiException.unsupportedMediaType("send the request body as application/json");
            }
            if (code.value() == 413) {
                return ApiException.tooLarge(maxBodyBytes);
            }
            if (code.is4xxClientError()) {
                return ApiException.invalid(null, rse.getReason() == null ? HttpStatus.valueOf(code.value()).getReasonPhrase()
                        : rse.getReason());
            }
        }
        LOG.error("unexpected failure serving {} {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), ex);
        return ApiException.internal("the server failed to handle this request (" + ex.getClass().getSimpleName()
                + "); it has been logged, please retry or report it");
    }
}
