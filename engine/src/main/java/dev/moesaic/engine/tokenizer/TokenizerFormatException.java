package dev.moesaic.engine.tokenizer;

import dev.moesaic.engine.model.ModelFormatException;
import java.nio.file.Path;

/** A tokenizer (a GGUF vocabulary or a llama2.c tokenizer file) that cannot be used; the message names the file. */
public final class TokenizerFormatException extends ModelFormatException {
    public TokenizerFormatException(Path file, String problem) {
        super(file, problem);
    }
}
