package dev.moesaic.engine.model;

import java.nio.file.Path;

/**
 * A model or tokenizer file that cannot be used: truncated, corrupt, or of an unsupported kind.
 * The message always names the file and what was wrong with it.
 */
public class ModelFormatException extends RuntimeException {
    private final transient Path file;

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that was being read. */
    public Path file() {
        return file;
    }
}
