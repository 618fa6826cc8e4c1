package dev.moesaic.nativebind.dnnl;

import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_destroy;

import org.bytedeco.dnnl.dnnl_engine;

/**
 * A oneDNN CPU engine. One per process is enough (the CPU engine holds no memory of its own);
 * streams and scratch memory are per calling thread (see {@link DnnlMatmul}).
 */
public final class DnnlEngine implements AutoCloseable {
    final dnnl_engine handle = new dnnl_engine();
    private boolean closed;

    public DnnlEngine() {
        Dnnl.load();
        Dnnl.check(dnnl_engine_create(handle, dnnl_cpu, 0), "creating the oneDNN CPU engine");
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            dnnl_engine_destroy(handle);
        }
    }
}
