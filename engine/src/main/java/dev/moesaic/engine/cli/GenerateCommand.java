package dev.moesaic.engine.cli;

import dev.moesaic.engine.device.DeviceFleet;
import dev.moesaic.engine.device.DeviceOptions;
import dev.moesaic.engine.elastic.ScaleController;
import dev.moesaic.engine.forward.Generator;
import dev.moesaic.memory.MemoryMetrics;
import dev.moesaic.engine.forward.Transformer;
import dev.moesaic.engine.kernel.EngineKernels;
import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.model.Models;
import dev.moesaic.engine.sampler.SamplingParams;
import dev.moesaic.engine.tokenizer.StreamingDecoder;
import dev.moesaic.engine.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code moesaic generate}: one prompt, one completion, printed as it is generated (or as one JSON
 * object with {@code --json}).
 */
public final class GenerateCommand {
    public static final String USAGE = """
            usage: moesaic generate [--model FILE|builtin:NAME[:TYPE]] [--tokenizer FILE]
                                    (--prompt TEXT | --prompt-ids 1,2,3) [--max-tokens N]
                                    [--temperature T] [--top-p P] [--top-k K] [--seed S] [--devices N] [--json]
              --model        a GGUF file, a llama2.c .bin, or builtin:tiny-moe (default) / builtin:bench;
                             built-in models take a weight type suffix, e.g. builtin:bench:Q4_0
              --tokenizer    llama2.c tokenizer (tok512.bin) for a llama2.c checkpoint
              --prompt       text, tokenized with BOS as the model's vocabulary says
              --prompt-ids   comma-separated token ids, used as they are
              --max-tokens   tokens to generate (default 128)
              --temperature  0 = greedy (default 0.8); --top-p (default 0.95), --top-k (default 40, 0 = off)
              --seed         random seed (default: random); equal seeds give equal outputs
              --devices      devices the experts run on (default 1; the output does not depend on it)
              --json         print {"prompt_ids":[...],"ids":[...],"text":"..."} and nothing else on stdout
            """;

    private GenerateCommand() {
    }

    /** Runs the command; returns the process exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArgs a;
        try {
            a = CliArgs.parse(args, Set.of("model", "tokenizer", "prompt", "prompt-ids", "max-tokens", "temperature", "top-p",
                    "top-k", "seed", "threads", "devices"), Set.of("json", "help"));
            if (a.has("help")) {
                out.print(USAGE);
                return 0;
            }
            if (a.has("prompt") == a.has("prompt-ids")) {
                throw new CliArgs.UsageException("give exactly one of --prompt and --prompt-ids");
            }
        } catch (CliArgs.UsageException e) {
            err.println("moesaic generate: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        SamplingParams params;
        int maxTokens;
        try {
            params = new SamplingParams(a.getFloat("temperature", 0.8f), a.getFloat("top-p", 0.95f), a.getInt("top-k", 40),
                    a.getLong("seed", new java.util.Random().nextLong()));
            maxTokens = a.getInt("max-tokens", 128);
            if (maxTokens < 0) {
                throw new CliArgs.UsageException("--max-tokens must be >= 0");
            }
        } catch (IllegalArgumentException | CliArgs.UsageException e) {
            err.println("moesaic generate: " + e.getMessage());
            return 2;
        }
        String tok = a.get("tokenizer", null);
        boolean json = a.has("json");
        DeviceFleet fleet = null;
        ScaleController controller = null;
        try (LoadedModel model = Models.open(a.get("model", null), tok == null ? null : Path.of(tok), err);
             EngineKernels kernels = EngineKernels.create(a.getInt("threads", 0))) {
            Tokenizer tokenizer = model.tokenizer();
            int[] prompt = a.has("prompt-ids") ? a.getInts("prompt-ids") : encode(model, a.get("prompt", "")).clone();
            for (int id : prompt) {
                if (id < 0 || id >= model.config().vocabSize()) {
                    err.println("moesaic generate: prompt id " + id + " is outside the vocabulary (0.." + (model.config().vocabSize() - 1) + ")");
                    return 2;
                }
            }
            int devices = a.getInt("devices", 1);
            Transformer transformer;
            if (devices == 1 || !model.config().isMoe()) {
                if (devices != 1) {
                    throw new CliArgs.UsageException(model.id() + " is a dense model: it runs on 1 device");
                }
                transformer = Transformer.local(model.config(), model.weights(), kernels.kernels());
            } else {
                fleet = new DeviceFleet(model, DeviceOptions.defaults(1), kernels.lane(), new MemoryMetrics());
                controller = new ScaleController(fleet, null, ScaleController.Options.defaults());
                transformer = new Transformer(model.config(), model.weights(), kernels.kernels(), controller.start(devices));
            }
            StreamingDecoder decoder = tokenizer == null ? null : tokenizer.newStreamingDecoder();
            StringBuilder text = new StringBuilder();
            int[] ids = new Generator(model, transformer).generate(prompt, maxTokens, params,
                    id -> tokenizer != null && tokenizer.isEndOfGeneration(id), id -> {
                        if (decoder != null) {
                            String delta = decoder.accept(id);
                            text.append(delta);
                            if (!json) {
                                out.print(delta);
                                out.flush();
                            }
                        }
                        return true;
                    });
            if (decoder != null) {
                String rest = decoder.finish();
                text.append(rest);
                if (!json) {
                    out.print(rest);
                }
            }
            if (json) {
                out.println(Json.object("prompt_ids", prompt, "ids", ids, "text", text.toString()));
            } else {
                out.println();
            }
            out.flush();
            return 0;
        } catch (CliArgs.UsageException e) {
            err.println("moesaic generate: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("moesaic generate: " + e.getMessage());
            return 1;
        } finally {
            if (controller != null) {
                controller.close();
            }
            if (fleet != null) {
                fleet.close();
            }
        }
    }

    private static int[] encode(LoadedModel model, String text) {
        if (model.tokenizer() == null) {
            throw new CliArgs.UsageException(model.id() + " has no vocabulary: pass --tokenizer (llama2.c tok512.bin) or use --prompt-ids");
        }
        return model.tokenizer().encode(text, true);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
