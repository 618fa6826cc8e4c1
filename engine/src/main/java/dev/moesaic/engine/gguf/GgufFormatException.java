package dev.moesaic.engine.gguf;

import dev.moesaic.engine.model.ModelFormatException;
import java.nio.file.Path;

/** A GGUF file that violates the format: the message names the file, the byte offset and the problem. */
public final class GgufFormatException extends ModelFormatException {
    public GgufFormatException(Path file, long offset, String problem) {
        super(file, "invalid GGUF at byte " + offset + ": " + problem);
    }

    public GgufFormatException(Path file, String problem) {
        super(file, "invalid GGUF: " + problem);
    }
}
