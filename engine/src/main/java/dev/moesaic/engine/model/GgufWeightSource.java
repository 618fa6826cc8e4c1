package dev.moesaic.engine.model;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.gguf.GgufTensorInfo;
import dev.moesaic.engine.tensor.Tensor;
import java.util.Set;

/** Tensors of a GGUF file, as zero-copy views of its mapping. */
public final class GgufWeightSource implements WeightSource {
    private final GgufFile file;

    public GgufWeightSource(GgufFile file) {
        this.file = file;
    }

    public GgufFile file() {
        return file;
    }

    @Override
    public String origin() {
        return file.path().toString();
    }

    @Override
    public Tensor tensor(String name) {
        GgufTensorInfo info = file.tensor(name);
        return info == null ? null : new Tensor(name, info.type(), info.shape(), file.tensorData(info));
    }

    @Override
    public Set<String> tensorNames() {
        return file.tensors().keySet();
    }

    @Override
    public void close() {
        file.close();
    }
}
