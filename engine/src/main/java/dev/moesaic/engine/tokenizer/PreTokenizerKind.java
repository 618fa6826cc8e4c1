package dev.moesaic.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The byte-level BPE pre-tokenizers Moesaic supports, chosen by GGUF's {@code tokenizer.ggml.pre}.
 * Each is a list of regexes applied one after another (llama.cpp's list for that pre-tokenizer,
 * in its ECMAScript spelling; non-ASCII characters written as {@code \x{..}}), and the decoding
 * flags llama.cpp sets with it. The GPT-2 and Llama 3 regexes are cut by hand-written splitters,
 * as in llama.cpp.
 */
enum PreTokenizerKind {
    DEFAULT(List.of("default"), true, false, null,
            "[\\p{P}\\$\\+<=>\\^~\\|]+", Regexes.GPT2, "\\p{N}+", "[0-9][0-9][0-9]"),
    GPT2(List.of("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
            "mellum", "modern-bert", "exaone4", "mpt", "olmo", "jais"), true, false, null,
            Regexes.GPT2),
    LLAMA3(List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
            "jina-v5-nano"), true, true, Boolean.TRUE,
            Regexes.LLAMA3),
    DEEPSEEK_LLM(List.of("deepseek-llm"), false, false, null,
            "[\r\n]",
            "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"
                    + "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}"
                    + "\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}"
                    + "\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}"
                    + "\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}"
                    + "\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}"
                    + "\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}"
                    + "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}"
                    + "\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}"
                    + "\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}"
                    + "\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}"
                    + "\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}"
                    + "\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}"
                    + "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
                    + "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
                    + "\\x{1E900}-\\x{1E943}]+",
            "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
            "\\s+$",
            Regexes.CJK,
            "\\p{N}+"),
    DEEPSEEK_CODER(List.of("deepseek-coder"), false, false, null,
            "[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", Regexes.CJK, "\\p{N}"),
    QWEN2(List.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2"), false, false, null,
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    GPT4O(List.of("gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"), false, false, null,
            "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
                    + "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?"
                    + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*"
                    + "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?"
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    /** The pattern strings llama.cpp recognises and cuts with hand-written splitters. */
    private static final class Regexes {
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
        static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        static final String CJK = "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";
    }

    final List<String> names;
    /** llama.cpp's clean_spaces: tidy " ," and " 's" when detokenizing. */
    final boolean cleanSpaces;
    /** A word that is already a whole token is not merged (llama.cpp's ignore_merges). */
    final boolean ignoreMerges;
    /** Overrides the add-BOS default before the file's own add_bos_token is read; null keeps it. */
    final Boolean addBos;
    private final List<String> regexes;

    PreTokenizerKind(List<String> names, boolean cleanSpaces, boolean ignoreMerges, Boolean addBos, String... regexes) {
        this.names = names;
        this.cleanSpaces = cleanSpaces;
        this.ignoreMerges = ignoreMerges;
        this.addBos = addBos;
        this.regexes = List.of(regexes);
    }

    /** The kind a {@code tokenizer.ggml.pre} value names, or null. */
    static PreTokenizerKind byName(String name) {
        for (PreTokenizerKind k : values()) {
            if (k.names.contains(name)) {
                return k;
            }
        }
        return null;
    }

    /** Every accepted {@code tokenizer.ggml.pre} value, for error messages. */
    static List<String> supportedNames() {
        List<String> all = new ArrayList<>();
        for (PreTokenizerKind k : values()) {
            all.addAll(k.names);
        }
        return all;
    }

    /** The split steps, hand-written where llama.cpp has a hand-written one. */
    List<SplitRule> rules() {
        List<SplitRule> rules = new ArrayList<>();
        for (String regex : regexes) {
            if (regex.equals(Regexes.GPT2)) {
                rules.add(new Gpt2Split());
            } else if (regex.equals(Regexes.LLAMA3)) {
                rules.add(new Llama3Split());
            } else {
                rules.add(RegexSplit.of(regex));
            }
        }
        return rules;
    }

    /** The same steps with every regex run as a regex (the hand-written splitters' twins swapped in). */
    List<SplitRule> referenceRules() {
        List<SplitRule> rules = new ArrayList<>();
        for (String regex : regexes) {
            if (regex.equals(Regexes.GPT2)) {
                rules.add(RegexSplit.unicodeGpt2());
            } else if (regex.equals(Regexes.LLAMA3)) {
                rules.add(RegexSplit.unicodeLlama3());
            } else {
                rules.add(RegexSplit.of(regex));
            }
        }
        return rules;
    }
}
