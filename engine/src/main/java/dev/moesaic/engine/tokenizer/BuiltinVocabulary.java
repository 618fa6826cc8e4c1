package dev.moesaic.engine.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The vocabulary of Moesaic's built-in synthetic models: 512 SentencePiece-style tokens, fixed in
 * code so a fresh machine needs no files. Ids: 0 {@code <unk>}, 1 {@code <s>} (BOS), 2 {@code </s>}
 * (EOS), 3..258 the byte tokens {@code <0x00>..<0xFF>} (byte fallback, so any text tokenizes and
 * round-trips), 259..511 common English pieces with descending scores (U+2581 marks a word start).
 *
 * <p>The pieces were chosen once by a small byte-pair training run over English prose and licence
 * texts: each piece is the concatenation of two pieces listed before it (or of single characters),
 * in the order they were merged, and its score is minus that order, so SentencePiece-style merging
 * by score rebuilds the pieces. The last 37 are single characters.
 *
 * <p>{@link #ggufMetadata()} gives the {@code tokenizer.*} keys for writing this vocabulary into a
 * GGUF file (model "llama") that llama.cpp loads and tokenizes identically.
 */
public final class BuiltinVocabulary {
    public static final int SIZE = 512;
    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;
    public static final int FIRST_BYTE_ID = 3;
    public static final int FIRST_PIECE_ID = FIRST_BYTE_ID + 256;

    private static final String[] PIECES = {
            "\u2581t", "he", "\u2581a", "\u2581the", "\u2581w", "in", "er", "\u2581o", "\u2581s", "ha", "re", "nd",
            "\u2581b", "\u2581c", "ed", "\u2581f", "en", "on", "or", "is", "\u2581p", "\u2581and", "ou", "it",
            "ing", "\u2581of", "\u2581to", "\u2581m", "\u2581e", "at", "\u2581d", "hat", "es", "\u2581l", "ar",
            "\u2581co", "\u2581ha", "me", "ion", "ro", "ll", "\u2581n", "ic", "\u2581that", "\u2581wa", "\u2581T",
            "\u2581be", "ut", "ver", "\u2581g", "ow", "\u2581y", "se", "\u2581in", "her", "le", "an", "ld", "ri",
            "ay", "\u2581for", "ent", "\u2581had", "gh", "ho", "ot", "\u2581you", "\u2581it", "\u2581The", "et",
            "\u2581S", "ec", "\u2581an", "ter", "\u2581they", "very", "\u2581was", "\u2581st", "\u2581is",
            "\u2581re", "\u2581I", "st", "\u2581u", "ain", "ac", "\u2581th", "ith", "\u2581not", "ly", "pp",
            "\u2581or", "\u2581on", "\u2581L", "ght", "\u2581k", "\u2581h", "ve", "ork", "id", "\u2581every", "al",
            "ad", "\u2581with", "ect", "if", "icen", "\u2581but", "\u2581ti", "ther", "\u2581work", "ir", "ions",
            "ked", "\u2581so", "\u2581W", "il", "nt", "\u2581pro", "icense", "\u2581at", "\u2581al", "ers", "ce",
            "\u2581A", "od", "am", "\u2581we", "out", "\u2581O", "ear", "\u2581any", "wn", "th", "ere", "\u2581C",
            "ist", "ak", "ur", "\u2581day", "\u2581were", "\u2581P", "\u2581H", "\u2581do", "\u2581other",
            "\u2581li", "\u2581who", "res", "art", "\u2581ab", "qu", "\u2581as", "\u2581ag", "red", "ee",
            "\u2581pl", "\u2581License", "ong", "ment", "\u2581time", "\u2581se", "\u2581what", "\u2581this",
            "\u2581fro", "\u2581af", "au", "are", "\u2581go", "ies", "low", "ind", "\u2581end", "\u2581again",
            "thing", "orn", "\u2581come", "\u2581about", "\u2581They", "\u2581cop", "op", "\u2581ne", "\u2581su",
            "ill", "rib", "om", "\u2581by", "ribut", "ould", "right", "\u2581sa", "ation", "\u2581mo", "hi", "all",
            "nder", "\u2581te", "end", "\u2581part", "one", "\u2581he", "\u2581under", "\u2581their", "est",
            "\u2581from", "\u2581In", "\u2581been", "pt", "ran", "\u2581kn", "\u2581ex", "\u2581after",
            "\u2581want", "erm", "\u2581copy", "\u2581con", "oo", "\u2581", "a", "b", "c", "d", "e", "f", "g", "h",
            "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", ".", ",", "'",
            "-", "(", ")", "\"", ":", ";", "!", "?"
    };

    private static final Tokenizer TOKENIZER = Tokenizers.fromRaw(raw());

    private BuiltinVocabulary() {
    }

    /** Token strings by id (a fresh copy). */
    public static String[] tokens() {
        String[] tokens = new String[SIZE];
        tokens[UNK_ID] = "<unk>";
        tokens[BOS_ID] = "<s>";
        tokens[EOS_ID] = "</s>";
        for (int b = 0; b < 256; b++) {
            tokens[FIRST_BYTE_ID + b] = String.format("<0x%02X>", b);
        }
        System.arraycopy(PIECES, 0, tokens, FIRST_PIECE_ID, PIECES.length);
        return tokens;
    }

    /** Scores by id: 0 for the special and byte tokens, -k for the k-th piece (a fresh copy). */
    public static float[] scores() {
        float[] scores = new float[SIZE];
        for (int k = 0; k < PIECES.length; k++) {
            scores[FIRST_PIECE_ID + k] = -k;
        }
        return scores;
    }

    /** Token types by id (a fresh copy); {@link TokenType#code()} gives the GGUF integers. */
    public static TokenType[] tokenTypes() {
        TokenType[] types = new TokenType[SIZE];
        for (int id = 0; id < SIZE; id++) {
            types[id] = id == UNK_ID ? TokenType.UNKNOWN
                    : id < FIRST_BYTE_ID ? TokenType.CONTROL
                    : id < FIRST_PIECE_ID ? TokenType.BYTE
                    : TokenType.NORMAL;
        }
        return types;
    }

    /**
     * The GGUF metadata that declares this vocabulary, in the order llama.cpp's converter writes it:
     * strings, {@code String[]} (string arrays), {@code float[]} (float32 arrays), {@code int[]}
     * (int32 arrays), {@code Integer} (uint32) and {@code Boolean} values.
     */
    public static Map<String, Object> ggufMetadata() {
        TokenType[] types = tokenTypes();
        int[] typeCodes = new int[SIZE];
        for (int id = 0; id < SIZE; id++) {
            typeCodes[id] = types[id].code();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(GgufVocabularyReader.MODEL, "llama");
        m.put(GgufVocabularyReader.PRE, "default");
        m.put(GgufVocabularyReader.TOKENS, tokens());
        m.put(GgufVocabularyReader.SCORES, scores());
        m.put(GgufVocabularyReader.TOKEN_TYPE, typeCodes);
        m.put(SpecialRole.BOS.ggufKey, BOS_ID);
        m.put(SpecialRole.EOS.ggufKey, EOS_ID);
        m.put(SpecialRole.UNK.ggufKey, UNK_ID);
        m.put(GgufVocabularyReader.ADD_BOS, true);
        m.put(GgufVocabularyReader.ADD_EOS, false);
        return m;
    }

    /** The tokenizer over this vocabulary (shared; tokenizers are immutable). */
    public static Tokenizer tokenizer() {
        return TOKENIZER;
    }

    static RawVocabulary raw() {
        Map<SpecialRole, Long> ids = new java.util.EnumMap<>(SpecialRole.class);
        ids.put(SpecialRole.UNK, (long) UNK_ID);
        ids.put(SpecialRole.BOS, (long) BOS_ID);
        ids.put(SpecialRole.EOS, (long) EOS_ID);
        return new RawVocabulary(null, VocabularyKind.SENTENCEPIECE, tokens(), scores(), tokenTypes(), null, null, ids,
                true, false, null);
    }
}
