package dev.moesaic.engine.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a llama2.c tokenizer file ({@code tokenizer.bin}, {@code tok512.bin}): a little-endian int32
 * max token length, then per token a float32 score, an int32 byte length and that many UTF-8 bytes.
 * llama2.c's exporter writes spaces as ' ' and BOS/EOS as "\n&lt;s&gt;\n"/"\n&lt;/s&gt;\n"; this reader turns
 * them back into the SentencePiece spelling (U+2581, "&lt;s&gt;", "&lt;/s&gt;") so the vocabulary is the one
 * a GGUF conversion of the same model holds. Ids 0, 1, 2 are unknown, BOS and EOS; "&lt;0xXX&gt;" pieces
 * are byte tokens.
 */
final class Llama2cVocabularyReader {
    private static final Pattern BYTE_PIECE = Pattern.compile("<0x[0-9A-F]{2}>");
    private static final int MAX_PLAUSIBLE_TOKEN_BYTES = 1 << 16;

    private Llama2cVocabularyReader() {
    }

    static RawVocabulary read(Path file, int vocabSize) {
        if (vocabSize < 3) {
            throw new IllegalArgumentException("vocabSize must be at least 3 (unknown, BOS, EOS), got " + vocabSize);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TokenizerFormatException(file, "cannot read the llama2.c tokenizer file: " + e.getMessage());
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 4) {
            throw new TokenizerFormatException(file, "file is " + bytes.length + " bytes, too short for a llama2.c tokenizer");
        }
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0 || maxTokenLength > MAX_PLAUSIBLE_TOKEN_BYTES) {
            throw new TokenizerFormatException(file, "max token length " + maxTokenLength
                    + " is implausible: this is not a llama2.c tokenizer file");
        }
        String[] tokens = new String[vocabSize];
        float[] scores = new float[vocabSize];
        TokenType[] types = new TokenType[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            if (in.remaining() < 8) {
                throw truncated(file, id, vocabSize, in.position());
            }
            scores[id] = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > maxTokenLength + 2) { // BOS/EOS carry two extra newlines
                throw new TokenizerFormatException(file, "token " + id + " at byte " + (in.position() - 4) + " claims "
                        + length + " bytes, but the file's max token length is " + maxTokenLength + ": the file is corrupt");
            }
            if (in.remaining() < length) {
                throw truncated(file, id, vocabSize, in.position());
            }
            byte[] piece = new byte[length];
            in.get(piece);
            String text = new String(piece, StandardCharsets.UTF_8);
            tokens[id] = switch (id) {
                case 1, 2 -> text.strip();
                default -> text.replace(" ", VocabularyTable.SPACE_ESCAPE);
            };
            types[id] = switch (id) {
                case 0 -> TokenType.UNKNOWN;
                case 1, 2 -> TokenType.CONTROL;
                default -> BYTE_PIECE.matcher(text).matches() ? TokenType.BYTE : TokenType.NORMAL;
            };
        }
        Map<SpecialRole, Long> ids = new EnumMap<>(SpecialRole.class);
        ids.put(SpecialRole.UNK, 0L);
        ids.put(SpecialRole.BOS, 1L);
        ids.put(SpecialRole.EOS, 2L);
        return new RawVocabulary(file, VocabularyKind.SENTENCEPIECE, tokens, scores, types, null, null, ids,
                true, false, true);
    }

    private static TokenizerFormatException truncated(Path file, int id, int vocabSize, int position) {
        return new TokenizerFormatException(file, "file ends at byte " + position + " inside token " + id + " of "
                + vocabSize + ": the file is truncated, or the model's vocabulary size (" + vocabSize
                + ") does not belong to this tokenizer");
    }
}
