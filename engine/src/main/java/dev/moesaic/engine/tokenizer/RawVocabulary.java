package dev.moesaic.engine.tokenizer;

import java.nio.file.Path;
import java.util.Map;

/**
 * A vocabulary as a file declares it, before llama.cpp's loading rules (defaults, special-token
 * detection) are applied by {@link VocabularyTable}.
 *
 * @param source the file it came from (named in errors), or null for a built-in vocabulary
 * @param kind the tokenizer algorithm
 * @param tokens token strings by id (SentencePiece spelling: U+2581 for spaces; BPE: GPT-2 byte characters)
 * @param scores merge scores by id (SentencePiece), or null
 * @param types token types by id, or null (all normal)
 * @param merges BPE merges "left right" in rank order, or null
 * @param preTokenizer the BPE pre-tokenizer (ignored for SentencePiece)
 * @param declaredIds special token ids the file declares (may be out of range; the table ignores those)
 * @param addBos the file's add_bos_token, or null
 * @param addEos the file's add_eos_token, or null
 * @param addSpacePrefix the file's add_space_prefix, or null
 */
record RawVocabulary(
        Path source,
        VocabularyKind kind,
        String[] tokens,
        float[] scores,
        TokenType[] types,
        String[] merges,
        PreTokenizerKind preTokenizer,
        Map<SpecialRole, Long> declaredIds,
        Boolean addBos,
        Boolean addEos,
        Boolean addSpacePrefix) {
}
