package dev.moesaic.serving.api;

import java.nio.charset.StandardCharsets;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/** Writes {@link ApiException}s as OpenAI error JSON. */
public final class ErrorResponses {
    private ErrorResponses() {
    }

    /** {@code {"error":{"message","type","param","code"}}}. */
    public static ObjectNode body(ApiException e) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("param", e.param());
        error.put("code", e.code());
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("error", error);
        return root;
    }

    public static Mono<Void> write(ServerHttpResponse response, ApiException e) {
        if (response.isCommitted()) {
            return Mono.empty();
        }
        response.setStatusCode(e.status());
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (e.retryAfterSeconds() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        }
        byte[] bytes = Json.MAPPER.writeValueAsString(body(e)).getBytes(StandardCharsets.UTF_8);
        DataBuffer buffer = response.bufferFactory().wrap(bytes);
        return response.writeWith(Mono.just(buffer));
    }
}
