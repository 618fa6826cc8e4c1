package dev.moesaic.engine.tokenizer;

import dev.moesaic.engine.gguf.GgufArray;
import dev.moesaic.engine.gguf.GgufFile;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/** Reads the {@code tokenizer.ggml.*} metadata of a GGUF file into a {@link RawVocabulary}. */
final class GgufVocabularyReader {
    static final String MODEL = "tokenizer.ggml.model";
    static final String PRE = "tokenizer.ggml.pre";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    static final String MERGES = "tokenizer.ggml.merges";
    static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
    static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";

    private GgufVocabularyReader() {
    }

    static RawVocabulary read(GgufFile file) {
        Path path = file.path();
        String model = file.getString(MODEL, null);
        if (model == null) {
            throw new TokenizerFormatException(path, "no '" + MODEL + "' metadata: the file carries no tokenizer;"
                    + " give a tokenizer file separately");
        }
        VocabularyKind kind = switch (model) {
            case "llama" -> VocabularyKind.SENTENCEPIECE;
            case "gpt2" -> VocabularyKind.BYTE_PAIR;
            default -> throw new TokenizerFormatException(path, MODEL + " is '" + model + "' (" + describe(model)
                    + "), which Moesaic does not support; supported: 'llama' (SentencePiece) and 'gpt2' (byte-level BPE)");
        };
        PreTokenizerKind pre = null;
        String[] merges = null;
        if (kind == VocabularyKind.BYTE_PAIR) {
            String preName = file.getString(PRE, "default");
            pre = PreTokenizerKind.byName(preName.isEmpty() ? "default" : preName);
            if (pre == null) {
                throw new TokenizerFormatException(path, PRE + " is '" + preName + "', a pre-tokenizer Moesaic does not"
                        + " know; supported: " + String.join(", ", PreTokenizerKind.supportedNames()));
            }
            merges = file.getStringArray(MERGES);
            if (merges == null) {
                throw new TokenizerFormatException(path, "a 'gpt2' tokenizer needs '" + MERGES + "', which is missing");
            }
        }
        String[] tokens = file.getStringArray(TOKENS);
        if (tokens == null) {
            throw new TokenizerFormatException(path, "no '" + TOKENS + "' metadata: the vocabulary is missing");
        }
        return new RawVocabulary(path, kind, tokens, scores(file), types(file), merges, pre, declaredIds(file),
                optionalBoolean(file, ADD_BOS), optionalBoolean(file, ADD_EOS), optionalBoolean(file, ADD_SPACE_PREFIX));
    }

    private static String describe(String model) {
        return switch (model) {
            case "bert" -> "WordPiece";
            case "t5" -> "Unigram";
            case "rwkv" -> "RWKV world";
            case "no_vocab", "none" -> "no vocabulary";
            default -> "unknown kind";
        };
    }

    private static float[] scores(GgufFile file) {
        GgufArray array = file.getArray(SCORES);
        if (array == null) {
            return null;
        }
        return switch (array.values()) {
            case float[] f -> f;
            case long[] l -> { // llama.cpp also accepts int32 scores
                float[] f = new float[l.length];
                for (int i = 0; i < l.length; i++) {
                    f[i] = l[i];
                }
                yield f;
            }
            default -> throw new TokenizerFormatException(file.path(), SCORES + " is an array of " + array.elementType()
                    + ", expected float32 or int32");
        };
    }

    private static TokenType[] types(GgufFile file) {
        GgufArray array = file.getArray(TOKEN_TYPE);
        if (array == null) {
            return null;
        }
        if (!(array.values() instanceof long[] codes)) {
            throw new TokenizerFormatException(file.path(), TOKEN_TYPE + " is an array of " + array.elementType()
                    + ", expected int32");
        }
        TokenType[] types = new TokenType[codes.length];
        for (int i = 0; i < codes.length; i++) {
            types[i] = TokenType.ofCode(codes[i]);
        }
        return types;
    }

    private static Map<SpecialRole, Long> declaredIds(GgufFile file) {
        Map<SpecialRole, Long> ids = new EnumMap<>(SpecialRole.class);
        for (SpecialRole role : SpecialRole.values()) {
            if (file.has(role.ggufKey)) {
                ids.put(role, file.getLong(role.ggufKey, -1));
            }
        }
        putIfPresent(file, SpecialRole.LEGACY_PREFIX_KEY, SpecialRole.FIM_PRE, ids);
        putIfPresent(file, SpecialRole.LEGACY_SUFFIX_KEY, SpecialRole.FIM_SUF, ids);
        putIfPresent(file, SpecialRole.LEGACY_MIDDLE_KEY, SpecialRole.FIM_MID, ids);
        return ids;
    }

    private static void putIfPresent(GgufFile file, String key, SpecialRole role, Map<SpecialRole, Long> ids) {
        if (file.has(key)) {
            ids.put(role, file.getLong(key, -1));
        }
    }

    private static Boolean optionalBoolean(GgufFile file, String key) {
        return file.has(key) ? file.getBoolean(key, false) : null;
    }
}
