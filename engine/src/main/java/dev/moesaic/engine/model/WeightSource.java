package dev.moesaic.engine.model;

import dev.moesaic.engine.tensor.Tensor;
import java.util.Set;

/**
 * Where a model's tensors come from, under llama.cpp's GGUF tensor names ("token_embd.weight",
 * "blk.0.attn_q.weight", ...). A GGUF file, a llama2.c checkpoint and the built-in generator each
 * implement it, so architectures never see a file format. Tensor data stays where the source keeps
 * it (usually an mmap'ed file); nothing is copied to the heap.
 */
public interface WeightSource extends AutoCloseable {
    /** A human-readable origin for messages: a file path or "builtin:NAME". */
    String origin();

    /** The tensor, or null when the source has none of that name. */
    Tensor tensor(String name);

    Set<String> tensorNames();

    /** The tensor, or a {@link ModelFormatException} naming the origin and the missing tensor. */
    default Tensor require(String name) {
        Tensor t = tensor(name);
        if (t == null) {
            throw new ModelFormatException(java.nio.file.Path.of(origin()), "required tensor '" + name + "' is missing");
        }
        return t;
    }

    @Override
    void close();
}
