package dev.moesaic.engine.cli;

import dev.moesaic.engine.builtin.BuiltinModels;
import dev.moesaic.engine.gguf.GgufArray;
import dev.moesaic.engine.gguf.GgufValueType;
import dev.moesaic.engine.gguf.GgufWriter;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.ModelConfig;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import dev.moesaic.engine.tokenizer.BuiltinVocabulary;
import dev.moesaic.engine.tokenizer.TokenType;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * {@code moesaic export-gguf}: writes a built-in model as a GGUF file that llama.cpp loads, so the
 * same model can be benchmarked in both engines.
 */
public final class ExportGgufCommand {
    public static final String USAGE = """
            usage: moesaic export-gguf --model builtin:NAME [--type F32|F16|BF16|Q8_0|Q4_0|Q4_K|Q6_K] --out FILE
              writes the built-in model with its weight matrices stored as --type (default F32); norms and the
              router stay F32, as llama-quantize leaves them
            """;

    private ExportGgufCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArgs a;
        try {
            a = CliArgs.parse(args, Set.of("model", "type", "out"), Set.of("help"));
            if (a.has("help")) {
                out.print(USAGE);
                return 0;
            }
            if (!a.has("out")) {
                throw new CliArgs.UsageException("--out FILE is required");
            }
            if (!BuiltinModels.isBuiltin(a.get("model", ""))) {
                throw new CliArgs.UsageException("--model must be a built-in model (builtin:tiny-moe or builtin:bench)");
            }
        } catch (CliArgs.UsageException e) {
            err.println("moesaic export-gguf: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        String type = a.get("type", "F32").toUpperCase(Locale.ROOT);
        String spec = a.get("model", "");
        if (spec.indexOf(':', BuiltinModels.PREFIX.length()) >= 0) {
            err.println("moesaic export-gguf: give the weight type with --type, not in the model name");
            return 2;
        }
        Path target = Path.of(a.get("out", ""));
        try (LoadedModel model = Models.open(spec + ":" + type, null, err)) {
            GgufWriter w = new GgufWriter();
            describe(model, GgmlType.valueOf(type), w);
            for (String name : model.source().tensorNames()) {
                Tensor t = model.source().tensor(name);
                w.addTensor(name, t.type(), t.shape(), t.data());
            }
            w.write(target);
            err.println("wrote " + target + " (" + model.id() + ")");
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("moesaic export-gguf: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("moesaic export-gguf: " + e.getMessage());
            return 1;
        }
    }

    /** The qwen3moe metadata llama.cpp reads for a built-in model, and its vocabulary. */
    static void describe(LoadedModel model, GgmlType type, GgufWriter w) {
        ModelConfig c = model.config();
        String a = c.architecture();
        w.putString("general.architecture", a);
        w.putString("general.name", model.id());
        w.putUInt32("general.file_type", fileType(type));
        if (type.isQuantized()) {
            w.putUInt32("general.quantization_version", 2);
        }
        w.putUInt32(a + ".context_length", c.contextLength());
        w.putUInt32(a + ".embedding_length", c.hidden());
        w.putUInt32(a + ".block_count", c.layers());
        w.putUInt32(a + ".feed_forward_length", c.expertFfn());
        w.putUInt32(a + ".expert_feed_forward_length", c.expertFfn());
        w.putUInt32(a + ".attention.head_count", c.heads());
        w.putUInt32(a + ".attention.head_count_kv", c.kvHeads());
        w.putUInt32(a + ".attention.key_length", c.headDim());
        w.putUInt32(a + ".attention.value_length", c.valueDim());
        w.putUInt32(a + ".rope.dimension_count", c.ropeDims());
        w.putFloat32(a + ".rope.freq_base", c.ropeBase());
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", c.rmsEps());
        w.putUInt32(a + ".expert_count", c.experts());
        w.putUInt32(a + ".expert_used_count", c.expertsUsed());
        w.putUInt32(a + ".vocab_size", c.vocabSize());
        w.putString("tokenizer.ggml.model", "llama");
        w.putString("tokenizer.ggml.pre", "default");
        w.putArray("tokenizer.ggml.tokens", new GgufArray(GgufValueType.STRING, BuiltinVocabulary.tokens()));
        w.putArray("tokenizer.ggml.scores", new GgufArray(GgufValueType.FLOAT32, BuiltinVocabulary.scores()));
        TokenType[] types = BuiltinVocabulary.tokenTypes();
        long[] codes = new long[types.length];
        for (int i = 0; i < types.length; i++) {
            codes[i] = types[i].code();
        }
        w.putArray("tokenizer.ggml.token_type", new GgufArray(GgufValueType.INT32, codes));
        w.putUInt32("tokenizer.ggml.bos_token_id", BuiltinVocabulary.BOS_ID);
        w.putUInt32("tokenizer.ggml.eos_token_id", BuiltinVocabulary.EOS_ID);
        w.putUInt32("tokenizer.ggml.unknown_token_id", BuiltinVocabulary.UNK_ID);
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
    }

    /** llama.cpp's LLAMA_FTYPE for a model whose matrices are all {@code type}. */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_K -> 15;
            case Q6_K -> 18;
            case BF16 -> 32;
        };
    }
}
