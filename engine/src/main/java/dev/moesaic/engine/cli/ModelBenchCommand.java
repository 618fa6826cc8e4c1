package dev.moesaic.engine.cli;

import dev.moesaic.engine.forward.ArenaKvStorage;
import dev.moesaic.engine.forward.ForwardBatch;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.kernel.EngineKernels;
import dev.moesaic.engine.kernel.bench.KernelBench;
import dev.moesaic.engine.model.LayerWeights;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.ModelConfig;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.sampler.Sampler;
import dev.moesaic.engine.tensor.Tensor;
import java.io.PrintStream;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code moesaic bench --model M}: prefill and decode speed of one sequence, the weight bytes a
 * decode step must read, and the machine's read bandwidth measured in the same run, so the result
 * reads as a fraction of the memory-bandwidth bound.
 */
public final class ModelBenchCommand {
    public static final String USAGE = """
            usage: moesaic bench [--model builtin:bench[:TYPE]|FILE] [--prompt-tokens 128] [--gen-tokens 64] [--threads N] [--json]
              prefill: the whole prompt in one forward pass; decode: one token per step through the KV cache;
              bandwidth: a vectorised sum over 1 GiB on the same threads, measured in the same run
            """;

    private ModelBenchCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArgs a;
        try {
            a = CliArgs.parse(args, Set.of("model", "prompt-tokens", "gen-tokens", "threads", "repeats"), Set.of("json", "help"));
            if (a.has("help")) {
                out.print(USAGE);
                return 0;
            }
        } catch (CliArgs.UsageException e) {
            err.println("moesaic bench: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        int promptTokens = a.getInt("prompt-tokens", 128);
        int genTokens = a.getInt("gen-tokens", 64);
        int repeats = Math.max(1, a.getInt("repeats", 2));
        if (promptTokens < 1 || genTokens < 1) {
            err.println("moesaic bench: --prompt-tokens and --gen-tokens must be >= 1");
            return 2;
        }
        try (LoadedModel model = Models.open(a.get("model", "builtin:bench"), null, err);
             EngineKernels kernels = EngineKernels.create(a.getInt("threads", 0))) {
            ModelConfig c = model.config();
            if (promptTokens + genTokens > c.contextLength()) {
                err.println("moesaic bench: " + (promptTokens + genTokens) + " tokens exceed the context of " + c.contextLength());
                return 2;
            }
            Transformer t = Transformer.local(c, model.weights(), kernels.kernels());
            int[] prompt = new SplittableRandom(7).ints(promptTokens, 3, c.vocabSize()).toArray();
            run(model, t, java.util.Arrays.copyOf(prompt, Math.min(16, promptTokens)), 4); // warm-up: JIT and page faults
            double prefill = 0;
            double decode = 0;
            for (int r = 0; r < repeats; r++) {
                double[] rates = run(model, t, prompt, genTokens);
                prefill = Math.max(prefill, rates[0]);
                decode = Math.max(decode, rates[1]);
            }
            long bytesPerToken = decodeBytes(model);
            double decodeGbps = bytesPerToken * decode / 1e9;
            double bandwidth = KernelBench.readBandwidth(kernels.lane());
            if (a.has("json")) {
                out.println(Json.object("model", model.id(), "threads", kernels.lane().threads(), "prompt_tokens", promptTokens,
                        "gen_tokens", genTokens, "prefill_tok_s", round(prefill), "decode_tok_s", round(decode),
                        "weight_bytes_per_token", bytesPerToken, "decode_gbps", round(decodeGbps), "bandwidth_gbps", round(bandwidth),
                        "bandwidth_fraction", round(decodeGbps / bandwidth)));
            } else {
                out.printf("%s, %d threads: prefill %.1f tok/s (%d tokens), decode %.1f tok/s (%d tokens)%n", model.id(),
                        kernels.lane().threads(), prefill, promptTokens, decode, genTokens);
                out.printf("decode reads %.1f MB of weights per token = %.1f GB/s; read bandwidth %.1f GB/s; fraction %.2f%n",
                        bytesPerToken / 1e6, decodeGbps, bandwidth, decodeGbps / bandwidth);
            }
            return 0;
        } catch (RuntimeException e) {
            err.println("moesaic bench: " + e.getMessage());
            return 1;
        }
    }

    /** {prefill tok/s, decode tok/s} for one prompt and greedy continuation. */
    private static double[] run(LoadedModel model, Transformer t, int[] prompt, int gen) {
        int vocab = model.config().vocabSize();
        try (ArenaKvStorage kv = ArenaKvStorage.forTokens(model.kvLayout(16), prompt.length + gen)) {
            int[] table = kv.identityTable();
            float[] logits = new float[vocab];
            long t0 = System.nanoTime();
            t.forward(ForwardBatch.ofSequence(prompt, 0, table, kv), logits);
            long t1 = System.nanoTime();
            for (int i = 0; i < gen; i++) {
                int next = Sampler.argmax(logits, 0, vocab);
                t.forward(ForwardBatch.ofSequence(new int[] {next}, prompt.length + i, table, kv), logits);
            }
            long t2 = System.nanoTime();
            return new double[] {prompt.length / ((t1 - t0) / 1e9), gen / ((t2 - t1) / 1e9)};
        }
    }

    /** Weight bytes one decode step reads: attention, router, the chosen experts, shared/dense FFNs, the LM head. */
    static long decodeBytes(LoadedModel model) {
        ModelConfig c = model.config();
        long sum = model.weights().output().data().byteSize() + model.weights().tokenEmbedding().rowBytes();
        for (LayerWeights w : model.weights().layers()) {
            sum += bytes(w.wq()) + bytes(w.wk()) + bytes(w.wv()) + bytes(w.wo());
            sum += bytes(w.ffnGate()) + bytes(w.ffnUp()) + bytes(w.ffnDown()) + bytes(w.router());
            sum += bytes(w.sharedGate()) + bytes(w.sharedUp()) + bytes(w.sharedDown());
            if (w.isMoe()) {
                sum += (long) c.expertsUsed() * (w.expertGate().matrixBytes() + w.expertUp().matrixBytes() + w.expertDown().matrixBytes());
            }
        }
        return sum;
    }

    private static long bytes(Tensor t) {
        return t == null ? 0 : t.data().byteSize();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
