package dev.moesaic.engine.model;

import dev.moesaic.engine.builtin.BuiltinModels;
import dev.moesaic.engine.builtin.BuiltinWeightSource;
import dev.moesaic.engine.tensor.GgmlType;
import dev.moesaic.engine.tensor.Tensor;
import dev.moesaic.engine.tokenizer.Tokenizers;
import java.io.PrintStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Opens a model from a user's model spec: {@code builtin:NAME[:TYPE]} (TYPE one of F32, F16, BF16,
 * Q8_0, Q4_0; default F32) or a path to a GGUF file or llama2.c checkpoint.
 */
public final class Models {
    /** Files above this size get a progress line on stderr while their pages are read in. */
    private static final long PROGRESS_THRESHOLD = 256L << 20;

    private Models() {
    }

    public static LoadedModel open(String spec, Path tokenizerFile) {
        return open(spec, tokenizerFile, System.err);
    }

    /** @param progress where loading progress of large models is reported (null for silence) */
    public static LoadedModel open(String spec, Path tokenizerFile, PrintStream progress) {
        if (spec == null || spec.isBlank()) {
            spec = BuiltinModels.PREFIX + BuiltinModels.TINY;
        }
        if (BuiltinModels.isBuiltin(spec)) {
            return builtin(spec.substring(BuiltinModels.PREFIX.length()), tokenizerFile);
        }
        LoadedModel model = ModelLoader.open(Path.of(spec), tokenizerFile);
        try {
            prefault(model, progress);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return model;
    }

    private static LoadedModel builtin(String nameAndType, Path tokenizerFile) {
        if (tokenizerFile != null) {
            throw new IllegalArgumentException("built-in models have a built-in vocabulary; drop --tokenizer");
        }
        int colon = nameAndType.indexOf(':');
        String name = colon < 0 ? nameAndType : nameAndType.substring(0, colon);
        GgmlType type = GgmlType.F32;
        if (colon >= 0) {
            String t = nameAndType.substring(colon + 1).toUpperCase(java.util.Locale.ROOT);
            try {
                type = GgmlType.valueOf(t);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown weight type '" + t + "' in builtin:" + nameAndType
                        + " (use F32, F16, BF16, Q8_0 or Q4_0)");
            }
        }
        ModelConfig config = BuiltinModels.config(name);
        BuiltinWeightSource source = new BuiltinWeightSource(name, config, type);
        try {
            ModelWeights weights = new Qwen3MoeArchitecture().weights(config, source);
            return new LoadedModel(source.origin(), config, weights, Tokenizers.builtin(), null, source);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /**
     * Reads every weight page once, so the first request does not pay for page faults, and shows
     * progress for large files. The mapping stays the single copy of the weights.
     */
    private static void prefault(LoadedModel model, PrintStream progress) {
        long total = 0;
        for (String name : model.source().tensorNames()) {
            total += model.source().tensor(name).data().byteSize();
        }
        boolean report = progress != null && total >= PROGRESS_THRESHOLD;
        long done = 0;
        int lastPercent = -1;
        long sink = 0;
        for (String name : model.source().tensorNames()) {
            Tensor t = model.source().tensor(name);
            long size = t.data().byteSize();
            for (long off = 0; off < size; off += 4096) {
                sink += t.data().get(ValueLayout.JAVA_BYTE, off);
            }
            done += size;
            int percent = (int) (done * 100 / total);
            if (report && percent / 5 != lastPercent / 5) {
                progress.printf("\rloading %s: %3d%% of %d MB", model.id(), percent, total >> 20);
                lastPercent = percent;
            }
        }
        if (report) {
            progress.println();
        }
        if (sink == 42) {
            Thread.onSpinWait(); // keeps the reads from being optimised away
        }
    }
}
