package dev.moesaic.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated token ids into text one id at a time. Text comes out only as complete UTF-8
 * characters: a character whose bytes are spread over several byte tokens is held back until its
 * last byte arrives, so no U+FFFD is ever emitted for a sequence that later completes. Bytes that
 * can never become a character (a stray continuation byte, a cut-off sequence followed by
 * something else) come out as U+FFFD right away, and a sequence still open at {@link #finish()}
 * does too.
 *
 * <p>The concatenation of everything returned equals {@link Tokenizer#decode(int[])} of all ids
 * fed, including llama.cpp's detokenize rules: the first token loses one leading space when the
 * vocabulary adds a space prefix, control tokens render as nothing, and for vocabularies with
 * clean-up spaces the last few bytes wait until the next token shows whether a space before
 * punctuation must go. One decoder per generated sequence; not thread-safe.
 */
public final class StreamingDecoder {
    /**
     * A space this close to the end may still be removed by clean-up: its fate depends on at most
     * the 3 bytes after it, and removals only ever drop spaces, so a space 4 or more bytes from the
     * end of the cleaned text is final.
     */
    private static final int CLEAN_WINDOW = 4;

    private final VocabularyTable vocab;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer undecoded = ByteBuffer.allocate(64);
    private boolean first = true;
    private boolean finished;
    // clean-up spaces only: raw bytes since the last safe cut, and how much of their cleaned form went out
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private int cleanedEmitted;

    StreamingDecoder(VocabularyTable vocab) {
        this.vocab = vocab;
    }

    /** Feeds one token; returns the text that is now complete (often empty, never null). */
    public String accept(int id) {
        if (finished) {
            throw new IllegalStateException("this decoder has finished; start a new one per sequence");
        }
        byte[] piece = vocab.piece(id, false);
        int skip = first && vocab.addSpacePrefix && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
        first = false;
        if (!vocab.cleanSpaces) {
            return decode(piece, skip, piece.length - skip, false);
        }
        raw.write(piece, skip, piece.length - skip);
        byte[] rawBytes = raw.toByteArray();
        byte[] cleaned = CleanSpaces.apply(rawBytes);
        // text already emitted is final; a later removal can shorten the tail but never reach back into it
        int stable = Math.max(stablePrefix(cleaned), cleanedEmitted);
        String text = decode(cleaned, cleanedEmitted, stable - cleanedEmitted, false);
        cleanedEmitted = stable;
        if (stable == cleaned.length && safeToCut(rawBytes)) {
            raw.reset();
            cleanedEmitted = 0;
        }
        return text;
    }

    /** Ends the sequence: returns whatever is left, with U+FFFD for an unfinished character. */
    public String finish() {
        if (finished) {
            return "";
        }
        finished = true;
        String rest = "";
        if (vocab.cleanSpaces) {
            byte[] cleaned = CleanSpaces.apply(raw.toByteArray());
            rest = decode(cleaned, cleanedEmitted, cleaned.length - cleanedEmitted, false);
        }
        return rest + decode(new byte[0], 0, 0, true);
    }

    /** Cleaned bytes that no later token can change: up to the first space among the last few bytes. */
    private static int stablePrefix(byte[] cleaned) {
        for (int i = Math.max(0, cleaned.length - CLEAN_WINDOW); i < cleaned.length; i++) {
            if (cleaned[i] == ' ') {
                return i;
            }
        }
        return cleaned.length;
    }

    /** No clean-up rule can span a cut after {@code raw} when its last few bytes hold no space. */
    private static boolean safeToCut(byte[] raw) {
        for (int i = Math.max(0, raw.length - CLEAN_WINDOW); i < raw.length; i++) {
            if (raw[i] == ' ') {
                return false;
            }
        }
        return true;
    }

    private String decode(byte[] bytes, int offset, int length, boolean endOfInput) {
        if (undecoded.remaining() < length) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(undecoded.capacity() * 2, undecoded.position() + length));
            undecoded.flip();
            bigger.put(undecoded);
            undecoded = bigger;
        }
        undecoded.put(bytes, offset, length);
        undecoded.flip();
        CharBuffer out = CharBuffer.allocate(undecoded.remaining() + 4);
        utf8.decode(undecoded, out, endOfInput);
        if (endOfInput) {
            utf8.flush(out);
        }
        undecoded.compact();
        out.flip();
        return out.toString();
    }

    @Override
    public String toString() {
        return "StreamingDecoder[pending " + undecoded.position() + " bytes"
                + (vocab.cleanSpaces ? ", raw " + Arrays.toString(raw.toByteArray()) : "") + "]";
    }
}
