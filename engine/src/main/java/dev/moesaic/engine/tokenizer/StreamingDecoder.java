package dev.moesaic.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

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
 * clean-up spaces a space waits until the {@value CleanSpaces#LOOKAHEAD} bytes after it show
 * whether clean-up removes it. One decoder per generated sequence; not thread-safe.
 */
public final class StreamingDecoder {
    private final VocabularyTable vocab;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer undecoded = ByteBuffer.allocate(64);
    private boolean first = true;
    private boolean finished;
    // clean-up spaces only: raw bytes since the buffer last started afresh, and how many of them went out
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private int settledOut;

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
        boolean[] kept = CleanSpaces.kept(rawBytes);
        // a space's fate is settled once the bytes after it have arrived; with no space near the
        // end, nothing is left open
        int settled = spaceFreeRunEndingAt(rawBytes, rawBytes.length) ? rawBytes.length
                : Math.max(0, rawBytes.length - CleanSpaces.LOOKAHEAD);
        byte[] ready = keptBytes(rawBytes, kept, settledOut, settled);
        settledOut = Math.max(settledOut, settled);
        forgetSettledPrefix(rawBytes);
        return decode(ready, 0, ready.length, false);
    }

    /**
     * Drops the longest emitted prefix after which no clean-up rule reaches: cleaning the rest on its
     * own then gives the same bytes as cleaning everything, and the buffer stays short.
     */
    private void forgetSettledPrefix(byte[] rawBytes) {
        for (int cut = settledOut; cut > 0; cut--) {
            if (spaceFreeRunEndingAt(rawBytes, cut)) {
                raw.reset();
                raw.write(rawBytes, cut, rawBytes.length - cut);
                settledOut -= cut;
                return;
            }
        }
    }

    /** Ends the sequence: returns whatever is left, with U+FFFD for an unfinished character. */
    public String finish() {
        if (finished) {
            return "";
        }
        finished = true;
        String rest = "";
        if (vocab.cleanSpaces) {
            byte[] rawBytes = raw.toByteArray();
            byte[] ready = keptBytes(rawBytes, CleanSpaces.kept(rawBytes), settledOut, rawBytes.length);
            rest = decode(ready, 0, ready.length, false);
        }
        return rest + decode(new byte[0], 0, 0, true);
    }

    private static byte[] keptBytes(byte[] raw, boolean[] kept, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(0, to - from));
        for (int i = from; i < to; i++) {
            if (kept[i]) {
                out.write(raw[i]);
            }
        }
        return out.toByteArray();
    }

    /**
     * Clean-up rules look at a space and at most {@link CleanSpaces#LOOKAHEAD} bytes after it, so
     * when the bytes just before {@code end} hold no space, no rule spans {@code end}.
     */
    private static boolean spaceFreeRunEndingAt(byte[] raw, int end) {
        for (int i = Math.max(0, end - CleanSpaces.LOOKAHEAD); i < end; i++) {
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
        return "StreamingDecoder[" + undecoded.position() + " bytes of an unfinished character"
                + (vocab.cleanSpaces ? ", " + raw.size() + " bytes awaiting clean-up" : "") + "]";
    }
}
