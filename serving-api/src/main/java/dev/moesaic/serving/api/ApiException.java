package dev.moesaic.serving.api;

import org.springframework.http.HttpStatus;

/**
 * A request the server answers with an OpenAI-shaped error,
 * {@code {"error":{"message","type","param","code"}}}, and the HTTP status that goes with it.
 * The message says what was wrong with which input and what to do.
 */
public final class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;
    private final Long retryAfterSeconds;

    private ApiException(HttpStatus status, String type, String code, String param, String message, Long retryAfterSeconds) {
        super(message, null, false, false); // no stack trace: these are answers, not bugs
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a parameter is missing, of the wrong type or out of range. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", null, param, message, null);
    }

    /** 400 with a machine-readable code (e.g. context_length_exceeded). */
    public static ApiException invalid(String param, String code, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", code, param, message, null);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(HttpStatus.UNAUTHORIZED, "authentication_error", "invalid_api_key", null, message, null);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(HttpStatus.FORBIDDEN, "permission_error", null, null, message, null);
    }

    public static ApiException modelNotFound(String model, String served) {
        return new ApiException(HttpStatus.NOT_FOUND, "invalid_request_error", "model_not_found", "model",
                "the model '" + model + "' does not exist; this server serves '" + served + "' (see GET /v1/models)", null);
    }

    public static ApiException notFound(String message) {
        return new ApiException(HttpStatus.NOT_FOUND, "invalid_request_error", "not_found", null, message, null);
    }

    public static ApiException methodNotAllowed(String message) {
        return new ApiException(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error", "method_not_allowed", null, message, null);
    }

    public static ApiException unsupportedMediaType(String message) {
        return new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request_error", "unsupported_media_type", null,
                message, null);
    }

    public static ApiException tooLarge(long limitBytes) {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "invalid_request_error", "request_too_large", null,
                "the request body is larger than the server's limit of " + limitBytes + " bytes; send a shorter prompt", null);
    }

    public static ApiException queueFull(String message, long retryAfterSeconds) {
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", "queue_full", null, message, retryAfterSeconds);
    }

    /** 409: the request conflicts with an operation in progress. */
    public static ApiException conflict(String code, String message) {
        return new ApiException(HttpStatus.CONFLICT, "invalid_request_error", code, null, message, null);
    }

    public static ApiException unavailable(String code, String message) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "service_unavailable_error", code, null, message, 5L);
    }

    /** 500: the server failed, not the request. The message must not leak internals such as stack traces. */
    public static ApiException internal(String message) {
        return new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", null, null, message, null);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    /** Seconds for a Retry-After header, or null. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
