package dev.moesaic.engine.model;

import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A llama2.c checkpoint ({@code run.c}'s legacy format): a 7-int header (dim, hidden_dim, n_layers,
 * n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab size means an unshared classifier)
 * followed by F32 weights. Exposed under GGUF tensor names as views of the mapped file, so the
 * "llama" architecture runs it unchanged (llama2.c's RoPE is llama.cpp's NORM type).
 */
public final class Llama2cCheckpoint implements WeightSource {
    private static final int HEADER_BYTES = 7 * 4;
    private final Path path;
    private final Arena arena;
    private final ModelConfig config;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    private Llama2cCheckpoint(Path path, Arena arena, ModelConfig config) {
        this.path = path;
        this.arena = arena;
        this.config = config;
    }

    public static Llama2cCheckpoint open(Path path) {
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read file: " + e.getMessage());
        }
        if (size < HEADER_BYTES) {
            throw new ModelFormatException(path, "file is " + size + " bytes, smaller than the llama2.c header (28 bytes)");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            int dim = m.get(i32, 0), hidden = m.get(i32, 4), layers = m.get(i32, 8), heads = m.get(i32, 12);
            int kvHeads = m.get(i32, 16), vocab = m.get(i32, 20), seqLen = m.get(i32, 24);
            boolean shared = vocab > 0;
            vocab = Math.abs(vocab);
            if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
                    || dim % heads != 0 || heads % kvHeads != 0 || dim > 1 << 16 || hidden > 1 << 18 || layers > 1024 || vocab > 1 << 22) {
                throw new ModelFormatException(path, "implausible llama2.c header: dim=" + dim + " hidden=" + hidden + " layers=" + layers
                        + " heads=" + heads + " kv_heads=" + kvHeads + " vocab=" + vocab + " seq_len=" + seqLen + " (is this a llama2.c .bin?)");
            }
            int headSize = dim / heads;
            ModelConfig config = new ModelConfig("llama", path.getFileName().toString(), layers, dim, heads, kvHeads, headSize, headSize,
                    vocab, seqLen, 1e-5f, 10000f, headSize, RopeStyle.NORMAL, false, false, hidden, 0, 0, 0, 0, null);
            Llama2cCheckpoint ckpt = new Llama2cCheckpoint(path, arena, config);
            ckpt.layout(m, size, shared);
            return ckpt;
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException(path, "cannot map file: " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Tensor order of run.c's memory_map_weights. */
    private void layout(MemorySegment m, long size, boolean shared) {
        ModelConfig c = config;
        int kvDim = c.keyDim();
        long[] off = {HEADER_BYTES};
        java.util.function.BiConsumer<String, long[]> take = (name, shape) -> {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            long bytes = n * 4;
            if (off[0] + bytes > size) {
                throw new ModelFormatException(path, "file ends inside tensor " + name + " (needs " + (off[0] + bytes) + " bytes, has " + size + ")");
            }
            tensors.put(name, new Tensor(name, GgmlType.F32, shape, m.asSlice(off[0], bytes)));
            off[0] += bytes;
        };
        take.accept("token_embd.weight", new long[] {c.hidden(), c.vocabSize()});
        perLayer(take, "attn_norm.weight", c.hidden());
        perLayer(take, "attn_q.weight", c.hidden(), c.hidden());
        perLayer(take, "attn_k.weight", c.hidden(), kvDim);
        perLayer(take, "attn_v.weight", c.hidden(), kvDim);
        perLayer(take, "attn_output.weight", c.hidden(), c.hidden());
        perLayer(take, "ffn_norm.weight", c.hidden());
        perLayer(take, "ffn_gate.weight", c.hidden(), c.denseFfn());
        perLayer(take, "ffn_down.weight", c.denseFfn(), c.hidden());
        perLayer(take, "ffn_up.weight", c.hidden(), c.denseFfn());
        take.accept("output_norm.weight", new long[] {c.hidden()});
        // run.c keeps the legacy RoPE tables (freq_cis_real/imag, seq_len x head_size/2 each): skip them.
        off[0] += 2L * c.contextLength() * (c.headDim() / 2) * 4;
        if (!shared) {
            take.accept("output.weight", new long[] {c.hidden(), c.vocabSize()});
        }
        if (off[0] > size) {
            throw new ModelFormatException(path, "file ends inside the RoPE tables");
        }
    }

    private void perLayer(java.util.function.BiConsumer<String, long[]> take, String suffix, long... shape) {
        for (int l = 0; l < config.layers(); l++) {
            take.accept("blk." + l + "." + suffix, shape);
        }
    }

    public ModelConfig config() {
        return config;
    }

    @Override
    public String origin() {
        return path.toString();
    }

    @Override
    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    @Override
    public Set<String> tensorNames() {
        return tensors.keySet();
    }

    @Override
    public void close() {
        arena.close();
    }
}
