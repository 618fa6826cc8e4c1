package dev.moesaic.serving.api;

import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper of the API layer (requests are read as trees and validated field by field). */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }
}
