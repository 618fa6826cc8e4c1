package dev.moesaic.engine.model;

import dev.moesaic.engine.gguf.GgufFile;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;

/** Reading helpers shared by the architecture files: prefixed GGUF keys and tensor shape checks. */
final class ArchitectureSupport {
    private ArchitectureSupport() {
    }

    static int requireInt(GgufFile f, String arch, String key) {
        return f.requireInt(arch + "." + key);
    }

    static int intOr(GgufFile f, String arch, String key, int fallback) {
        return f.getInt(arch + "." + key, fallback);
    }

    static float floatOr(GgufFile f, String arch, String key, float fallback) {
        return f.getFloat(arch + "." + key, fallback);
    }

    static int vocabSize(GgufFile f, String arch) {
        int fromKey = f.getInt(arch + ".vocab_size", -1);
        if (fromKey > 0) {
            return fromKey;
        }
        String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
        if (tokens != null) {
            return tokens.length;
        }
        var embd = f.tensor("token_embd.weight");
        if (embd != null && embd.shape().length == 2) {
            return Math.toIntExact(embd.shape()[1]);
        }
        throw new ModelFormatException(f.path(), "cannot tell the vocabulary size: no " + arch + ".vocab_size, no tokenizer.ggml.tokens");
    }

    /** The tensor with the expected ggml shape (cols first), or a clear error. */
    static Tensor shaped(WeightSource src, String name, long... shape) {
        Tensor t = src.require(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException(Path.of(src.origin()), "tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape) + " for this model's hyperparameters");
        }
        return t;
    }

    /** An optional tensor: null when absent, else checked like {@link #shaped}. */
    static Tensor optional(WeightSource src, String name, long... shape) {
        return src.tensor(name) == null ? null : shaped(src, name, shape);
    }

    /** Norm and bias vectors are read as F32 on every step; other types are not worth supporting there. */
    static Tensor f32Vector(WeightSource src, String name, long length, boolean required) {
        Tensor t = required ? shaped(src, name, length) : optional(src, name, length);
        if (t != null && t.type() != GgmlType.F32) {
            throw new ModelFormatException(Path.of(src.origin()), "tensor '" + name + "' is " + t.type() + "; norms and biases must be F32");
        }
        return t;
    }

    /** The LM head, falling back to the (tied) embedding matrix like llama.cpp does. */
    static Tensor output(WeightSource src, ModelConfig c) {
        Tensor out = optional(src, "output.weight", c.hidden(), c.vocabSize());
        return out != null ? out : shaped(src, "token_embd.weight", c.hidden(), c.vocabSize());
    }

    /** Attention and norm weights common to all families. */
    static LayerWeights.Builder attention(WeightSource src, ModelConfig c, int layer, String ffnNormName) {
        String p = "blk." + layer + ".";
        LayerWeights.Builder b = new LayerWeights.Builder();
        b.attnNorm = f32Vector(src, p + "attn_norm.weight", c.hidden(), true);
        b.wq = shaped(src, p + "attn_q.weight", c.hidden(), c.queryDim());
        b.wk = shaped(src, p + "attn_k.weight", c.hidden(), c.keyDim());
        b.wv = shaped(src, p + "attn_v.weight", c.hidden(), c.kvValueDim());
        b.wo = shaped(src, p + "attn_output.weight", (long) c.heads() * c.valueDim(), c.hidden());
        b.bq = f32Vector(src, p + "attn_q.bias", c.queryDim(), false);
        b.bk = f32Vector(src, p + "attn_k.bias", c.keyDim(), false);
        b.bv = f32Vector(src, p + "attn_v.bias", c.kvValueDim(), false);
        b.qNorm = f32Vector(src, p + "attn_q_norm.weight", c.headDim(), c.qkNorm());
        b.kNorm = f32Vector(src, p + "attn_k_norm.weight", c.headDim(), c.qkNorm());
        b.ffnNorm = f32Vector(src, p + ffnNormName, c.hidden(), true);
        return b;
    }

    static void denseFfn(LayerWeights.Builder b, WeightSource src, ModelConfig c, int layer) {
        String p = "blk." + layer + ".";
        b.ffnGate = shaped(src, p + "ffn_gate.weight", c.hidden(), c.denseFfn());
        b.ffnUp = shaped(src, p + "ffn_up.weight", c.hidden(), c.denseFfn());
        b.ffnDown = shaped(src, p + "ffn_down.weight", c.denseFfn(), c.hidden());
    }

    /**
     * Every block's weights: attention, then a dense FFN or the experts as the config says, plus the
     * embedding, final norm and LM head; the families differ only in the pre-FFN norm's name.
     */
    static ModelWeights blocks(ModelConfig c, WeightSource src, String ffnNormName) {
        java.util.List<LayerWeights> layers = new java.util.ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights.Builder b = attention(src, c, l, ffnNormName);
            if (c.isMoeLayer(l)) {
                moeFfn(b, src, c, l);
            } else {
                denseFfn(b, src, c, l);
            }
            layers.add(b.build());
        }
        return new ModelWeights(shaped(src, "token_embd.weight", c.hidden(), c.vocabSize()),
                f32Vector(src, "output_norm.weight", c.hidden(), true), output(src, c), java.util.List.copyOf(layers));
    }

    static void moeFfn(LayerWeights.Builder b, WeightSource src, ModelConfig c, int layer) {
        String p = "blk." + layer + ".";
        if (src.tensor(p + "ffn_gate_exps.weight") == null && src.tensor(p + "ffn_gate.0.weight") != null) {
            throw new ModelFormatException(Path.of(src.origin()), "per-expert tensors (" + p + "ffn_gate.0.weight) are the old GGUF "
                    + "layout; re-convert the model with a current llama.cpp so experts are merged (ffn_gate_exps)");
        }
        b.router = shaped(src, p + "ffn_gate_inp.weight", c.hidden(), c.experts());
        b.expertGate = shaped(src, p + "ffn_gate_exps.weight", c.hidden(), c.expertFfn(), c.experts());
        b.expertUp = shaped(src, p + "ffn_up_exps.weight", c.hidden(), c.expertFfn(), c.experts());
        b.expertDown = shaped(src, p + "ffn_down_exps.weight", c.expertFfn(), c.hidden(), c.experts());
        Tensor bias = f32Vector(src, p + "exp_probs_b.bias", c.experts(), false);
        b.selectionBias = bias == null ? null : bias.toFloats();
        if (c.sharedExperts() > 0) {
            long width = (long) c.sharedExperts() * c.expertFfn();
            b.sharedGate = shaped(src, p + "ffn_gate_shexp.weight", c.hidden(), width);
            b.sharedUp = shaped(src, p + "ffn_up_shexp.weight", c.hidden(), width);
            b.sharedDown = shaped(src, p + "ffn_down_shexp.weight", width, c.hidden());
        }
    }
}
