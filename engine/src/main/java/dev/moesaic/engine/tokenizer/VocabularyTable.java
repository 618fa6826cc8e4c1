package dev.moesaic.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded vocabulary: token strings, scores and attributes, the special tokens and flags, with
 * llama.cpp's loading rules applied (llama-vocab.cpp, {@code llama_vocab::impl::load}): defaults
 * per tokenizer kind and pre-tokenizer, ids declared by the file, special tokens recognised by
 * their text (end-of-turn and fill-in-the-middle markers become control tokens), the set of
 * end-of-generation tokens, and each token's bytes as {@code llama_token_to_piece(special=true)}
 * returns them. Immutable and safe to share between threads.
 */
final class VocabularyTable {
    static final String SPACE_ESCAPE = "\u2581";

    private static final Set<String> EOT_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
            "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "<end_of_utterance>");
    private static final Set<String> EOM_TEXTS = Set.of("<|eom_id|>");
    private static final Set<String> FIM_PRE_TEXTS = Set.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>", "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final Set<String> FIM_SUF_TEXTS = Set.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>", "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final Set<String> FIM_MID_TEXTS = Set.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<\uFF5Cfim\u2581end\uFF5C>", "<MID>", "\u2581<MID>", "<|code_middle|>", "<|middle|>");
    private static final Set<String> FIM_PAD_TEXTS = Set.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final Set<String> FIM_REP_TEXTS = Set.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
            "<reponame>");
    private static final Set<String> FIM_SEP_TEXTS = Set.of("<|file_sep|>");
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
            "<|tool_response>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "[e~[");
    /** gpt-oss markers that llama.cpp always renders as text. */
    private static final Set<String> ALWAYS_RENDERED = Set.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    final Path source;
    final VocabularyKind kind;
    final PreTokenizerKind preTokenizer;
    final boolean addBos;
    final boolean addEos;
    final boolean addSpacePrefix;
    final boolean cleanSpaces;
    final boolean ignoreMerges;

    private final String[] text;
    private final float[] score;
    private final int[] attr;
    private final Map<String, Integer> idOf;
    private final int[] special;
    private final boolean[] eog;
    private final int[] partitionOrder;
    private final byte[][] pieces;

    private VocabularyTable(Builder b) {
        source = b.raw.source();
        kind = b.raw.kind();
        preTokenizer = b.raw.preTokenizer();
        addBos = b.addBos;
        addEos = b.addEos;
        addSpacePrefix = b.addSpacePrefix;
        cleanSpaces = b.cleanSpaces;
        ignoreMerges = b.ignoreMerges;
        text = b.text;
        score = b.score;
        attr = b.attr;
        idOf = b.idOf;
        special = b.special;
        eog = b.eog;
        partitionOrder = b.partitionOrder;
        pieces = b.pieces;
    }

    static VocabularyTable build(RawVocabulary raw) {
        return new Builder(raw).build();
    }

    int size() {
        return text.length;
    }

    String text(int id) {
        return text[checkId(id)];
    }

    float score(int id) {
        return score[id];
    }

    int attr(int id) {
        return attr[checkId(id)];
    }

    /** The id of a token string, or -1. */
    int id(String token) {
        Integer id = idOf.get(token);
        return id == null ? -1 : id;
    }

    /** The id for a role, or -1. */
    int special(SpecialRole role) {
        return special[role.ordinal()];
    }

    boolean isEog(int id) {
        return id >= 0 && id < eog.length && eog[id];
    }

    /** Tokens matched literally in text before tokenizing, longest first (llama.cpp's special-token cache). */
    int[] partitionOrder() {
        return partitionOrder;
    }

    /** The bytes of a token as llama_token_to_piece(special=true) gives them; shared, do not modify. */
    byte[] piece(int id) {
        return pieces[checkId(id)];
    }

    /** The bytes a token contributes to detokenized text: empty for control and unknown tokens unless {@code special}. */
    byte[] piece(int id, boolean special) {
        if (!special && (attr(id) & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0) {
            return new byte[0];
        }
        return pieces[id];
    }

    int checkId(int id) {
        if (id < 0 || id >= text.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + text.length
                    + " tokens" + (source == null ? "" : " (" + source.getFileName() + ")"));
        }
        return id;
    }

    /** Applies llama.cpp's loading rules to a declared vocabulary. */
    private static final class Builder {
        final RawVocabulary raw;
        final int n;
        String[] text;
        float[] score;
        int[] attr;
        Map<String, Integer> idOf;
        int[] special = new int[SpecialRole.values().length];
        boolean addBos;
        boolean addEos;
        boolean addSpacePrefix;
        boolean cleanSpaces;
        boolean ignoreMerges;
        boolean[] eog;
        int[] partitionOrder;
        byte[][] pieces;

        Builder(RawVocabulary raw) {
            this.raw = raw;
            this.n = raw.tokens().length;
        }

        VocabularyTable build() {
            if (n == 0) {
                throw error("the vocabulary has no tokens");
            }
            readTokens();
            applyKindDefaults();
            applyDeclaredIds();
            if (raw.addBos() != null) {
                addBos = raw.addBos();
            }
            if (raw.addEos() != null) {
                addEos = raw.addEos();
            }
            if (addBos && special[SpecialRole.BOS.ordinal()] < 0) {
                throw error("add_bos_token is true but the vocabulary declares no valid BOS token id");
            }
            if (addEos && special[SpecialRole.EOS.ordinal()] < 0) {
                throw error("add_eos_token is true but the vocabulary declares no valid EOS token id");
            }
            detectSpecialTokensByText();
            markUnusedControlTokens();
            collectEndOfGeneration();
            buildPartitionOrder();
            buildPieces();
            return new VocabularyTable(this);
        }

        private TokenizerFormatException error(String problem) {
            return new TokenizerFormatException(raw.source(), problem);
        }

        private void readTokens() {
            if (raw.scores() != null && raw.scores().length < n) {
                throw error("there are " + raw.scores().length + " token scores for " + n + " tokens");
            }
            if (raw.types() != null && raw.types().length < n) {
                throw error("there are " + raw.types().length + " token types for " + n + " tokens");
            }
            text = new String[n];
            score = new float[n];
            attr = new int[n];
            idOf = HashMap.newHashMap(n);
            for (int i = 0; i < n; i++) {
                String word = raw.tokens()[i];
                if (word == null || word.isEmpty()) {
                    word = "[EMPTY_" + i + "]"; // llama.cpp's stand-in for an empty token
                }
                Integer previous = idOf.putIfAbsent(word, i);
                if (previous != null) {
                    throw error("duplicate token in vocabulary: '" + word + "' has ids " + previous + " and " + i
                            + "; the tokenizer data is corrupt");
                }
                text[i] = word;
                score[i] = raw.scores() == null ? 0f : raw.scores()[i];
                attr[i] = raw.types() == null ? TokenAttr.NORMAL : TokenAttr.of(raw.types()[i]);
            }
        }

        private void applyKindDefaults() {
            Arrays.fill(special, -1);
            switch (raw.kind()) {
                case SENTENCEPIECE -> {
                    special[SpecialRole.BOS.ordinal()] = 1;
                    special[SpecialRole.EOS.ordinal()] = 2;
                    special[SpecialRole.UNK.ordinal()] = 0;
                    addSpacePrefix = true;
                    cleanSpaces = false;
                    addBos = true;
                    addEos = false;
                }
                case BYTE_PAIR -> {
                    special[SpecialRole.BOS.ordinal()] = 11; // llama.cpp's BPE default
                    special[SpecialRole.EOS.ordinal()] = 11;
                    PreTokenizerKind pre = raw.preTokenizer();
                    addSpacePrefix = false;
                    cleanSpaces = pre.cleanSpaces;
                    ignoreMerges = pre.ignoreMerges;
                    addBos = pre.addBos != null && pre.addBos;
                    addEos = false;
                }
            }
            if (raw.addSpacePrefix() != null) {
                addSpacePrefix = raw.addSpacePrefix();
            }
            for (int i = 0; i < special.length; i++) {
                if (special[i] >= n) {
                    special[i] = -1; // a default outside a small vocabulary is disabled
                }
            }
        }

        private void applyDeclaredIds() {
            for (Map.Entry<SpecialRole, Long> e : raw.declaredIds().entrySet()) {
                long id = e.getValue();
                if (id >= 0 && id < n) {
                    special[e.getKey().ordinal()] = (int) id;
                } // out of range: llama.cpp warns and keeps the default
            }
        }

        private void detectSpecialTokensByText() {
            for (int id = 0; id < n; id++) {
                String t = text[id];
                detect(SpecialRole.EOT, EOT_TEXTS, t, id);
                detect(SpecialRole.EOM, EOM_TEXTS, t, id);
                detect(SpecialRole.FIM_PRE, FIM_PRE_TEXTS, t, id);
                detect(SpecialRole.FIM_SUF, FIM_SUF_TEXTS, t, id);
                detect(SpecialRole.FIM_MID, FIM_MID_TEXTS, t, id);
                detect(SpecialRole.FIM_PAD, FIM_PAD_TEXTS, t, id);
                detect(SpecialRole.FIM_REP, FIM_REP_TEXTS, t, id);
                detect(SpecialRole.FIM_SEP, FIM_SEP_TEXTS, t, id);
            }
        }

        private void detect(SpecialRole role, Set<String> texts, String t, int id) {
            if (special[role.ordinal()] < 0 && texts.contains(t)) {
                special[role.ordinal()] = id;
                attr[id] |= TokenAttr.CONTROL;
            }
        }

        private void markUnusedControlTokens() {
            for (int id = 0; id < n; id++) {
                if ((attr[id] & TokenAttr.CONTROL) != 0 && text[id].contains("unused")) {
                    attr[id] |= TokenAttr.UNUSED;
                }
            }
        }

        private void collectEndOfGeneration() {
            eog = new boolean[n];
            for (SpecialRole role : List.of(SpecialRole.FIM_PAD, SpecialRole.FIM_REP, SpecialRole.FIM_SEP)) {
                if (special[role.ordinal()] >= 0) {
                    eog[special[role.ordinal()]] = true;
                }
            }
            for (int id = 0; id < n; id++) {
                if (EOG_TEXTS.contains(text[id])) {
                    eog[id] = true;
                    attr[id] |= TokenAttr.CONTROL;
                }
            }
            for (int id = 0; id < n; id++) {
                if (ALWAYS_RENDERED.contains(text[id])) {
                    attr[id] = TokenAttr.USER_DEFINED;
                }
            }
            for (SpecialRole role : List.of(SpecialRole.EOS, SpecialRole.EOT, SpecialRole.EOM)) {
                if (special[role.ordinal()] >= 0) {
                    eog[special[role.ordinal()]] = true;
                }
            }
            // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation
            int end = eogWithText("<|end|>");
            boolean call = eogWithText("<|call|>") >= 0 || eogWithText("<|calls|>") >= 0;
            if (end >= 0 && call && (eogWithText("<|return|>") >= 0 || eogWithText("<|flush|>") >= 0)) {
                eog[end] = false;
                attr[end] = TokenAttr.USER_DEFINED;
            }
            // gemma4 / paddleocr: "</s>" is ordinary text there
            int s = eogWithText("</s>");
            if (s >= 0 && eogWithText("<|tool_response>") >= 0) {
                eog[s] = false;
                attr[s] = TokenAttr.NORMAL;
            }
        }

        private int eogWithText(String t) {
            Integer id = idOf.get(t);
            return id != null && eog[id] ? id : -1;
        }

        private void buildPartitionOrder() {
            List<int[]> found = new ArrayList<>();
            for (int id = 0; id < n; id++) {
                if ((attr[id] & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) != 0) {
                    found.add(new int[] {id, text[id].getBytes(StandardCharsets.UTF_8).length});
                }
            }
            // llama.cpp sorts by byte length only (std::sort, unstable); ties go by id here
            found.sort(Comparator.<int[]>comparingInt(e -> -e[1]).thenComparingInt(e -> e[0]));
            partitionOrder = found.stream().mapToInt(e -> e[0]).toArray();
        }

        private void buildPieces() {
            pieces = new byte[n][];
            for (int id = 0; id < n; id++) {
                pieces[id] = pieceOf(id);
            }
        }

        private byte[] pieceOf(int id) {
            int a = attr[id];
            String t = text[id];
            if ((a & (TokenAttr.UNKNOWN | TokenAttr.CONTROL | TokenAttr.USER_DEFINED)) != 0) {
                return t.getBytes(StandardCharsets.UTF_8);
            }
            if ((a & TokenAttr.NORMAL) != 0) {
                return raw.kind() == VocabularyKind.SENTENCEPIECE
                        ? t.replace(SPACE_ESCAPE, " ").getBytes(StandardCharsets.UTF_8)
                        : byteLevelDecode(t);
            }
            if ((a & TokenAttr.BYTE) != 0) {
                return new byte[] {(byte) byteOfByteToken(t)};
            }
            return new byte[0]; // unused and undefined tokens render as nothing
        }

        /** "<0x0A>" -> 10; like C's strtol on the two characters after "<0x" (no hex digits -> 0). */
        private static int byteOfByteToken(String t) {
            int value = 0;
            for (int i = 3; i < Math.min(5, t.length()); i++) {
                int digit = Character.digit(t.charAt(i), 16);
                if (digit < 0) {
                    break;
                }
                value = value * 16 + digit;
            }
            return value;
        }

        /** GPT-2 byte characters back to bytes; a character outside the mapping is spelled out as llama.cpp does. */
        private static byte[] byteLevelDecode(String t) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(t.length());
            t.codePoints().forEach(cp -> {
                int b = ByteLevelMapping.byteOf(cp);
                if (b >= 0) {
                    out.write(b);
                } else {
                    StringBuilder s = new StringBuilder("[UNK_BYTE_0x");
                    for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                        s.append(String.format("%02x", x & 0xFF));
                    }
                    s.append(t).append(']');
                    out.writeBytes(s.toString().getBytes(StandardCharsets.UTF_8));
                }
            });
            return out.toByteArray();
        }
    }
}
