package dev.moesaic.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The {@link Tokenizer} over a loaded vocabulary: special tokens are cut out of the text first,
 * each remaining run of text goes through the vocabulary's {@link FragmentEncoder}, and decoding
 * concatenates token pieces (llama.cpp's tokenize / detokenize around the per-algorithm part).
 */
final class VocabularyTokenizer implements Tokenizer {
    private final VocabularyTable vocab;
    private final FragmentEncoder encoder;
    private final SpecialTokenSplitter specialTokens;

    VocabularyTokenizer(VocabularyTable vocab, FragmentEncoder encoder) {
        this.vocab = vocab;
        this.encoder = encoder;
        this.specialTokens = new SpecialTokenSplitter(vocab);
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        String input = replaceLoneSurrogates(text);
        IntList out = new IntList(input.length() / 3 + 4);
        if (addSpecial && vocab.addBos) {
            out.add(bos());
        }
        boolean afterSpecial = true; // SentencePiece: a space prefix goes before the first text and after each special token
        for (SpecialTokenSplitter.Fragment f : specialTokens.split(input, parseSpecial)) {
            if (!f.isText()) {
                out.add(f.token());
                afterSpecial = true;
                continue;
            }
            String run = input.substring(f.start(), f.end());
            if (vocab.kind == VocabularyKind.SENTENCEPIECE) {
                run = ((vocab.addSpacePrefix && afterSpecial) ? " " + run : run).replace(" ", VocabularyTable.SPACE_ESCAPE);
            }
            encoder.encode(run, out);
            afterSpecial = false;
        }
        if (addSpecial && vocab.addEos) {
            out.add(eos());
        }
        return out.toArray();
    }

    /** Text from a JSON body may hold unpaired surrogates; they have no UTF-8 form, so they read as U+FFFD. */
    private static String replaceLoneSurrogates(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                StringBuilder sb = new StringBuilder(text.length());
                text.codePoints().forEach(cp -> sb.appendCodePoint(Character.isSurrogate((char) cp) && cp < 0x10000 ? 0xFFFD : cp));
                return sb.toString();
            }
        }
        return text;
    }

    @Override
    public byte[] tokenBytes(int id) {
        return vocab.piece(id).clone();
    }

    @Override
    public String decode(int[] ids, boolean removeSpecial, boolean unparseSpecial) {
        return new String(decodeBytes(ids, removeSpecial, unparseSpecial), StandardCharsets.UTF_8);
    }

    /** llama_detokenize's bytes, before UTF-8 decoding. */
    byte[] decodeBytes(int[] ids, boolean removeSpecial, boolean unparseSpecial) {
        int from = 0;
        int to = ids.length;
        boolean removeSpace = vocab.addSpacePrefix;
        if (removeSpecial && vocab.addBos && to > 0 && ids[0] == bos()) {
            removeSpace = false; // the space after BOS is part of the text
            from = 1;
        }
        if (removeSpecial && vocab.addEos && to > from && ids[to - 1] == eos()) {
            to--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int i = from; i < to; i++) {
            byte[] piece = vocab.piece(ids[i], unparseSpecial);
            int skip = removeSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            out.write(piece, skip, piece.length - skip);
            removeSpace = false;
        }
        byte[] bytes = out.toByteArray();
        return vocab.cleanSpaces ? CleanSpaces.apply(bytes) : bytes;
    }

    @Override
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(vocab);
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int bos() {
        return vocab.special(SpecialRole.BOS);
    }

    @Override
    public int eos() {
        return vocab.special(SpecialRole.EOS);
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return vocab.isEog(id);
    }

    @Override
    public boolean addBos() {
        return vocab.addBos;
    }

    @Override
    public String piece(int id) {
        return vocab.text(id);
    }

    @Override
    public String toString() {
        return "Tokenizer[" + vocab.kind + ", " + vocab.size() + " tokens"
                + (vocab.source == null ? "" : ", " + vocab.source.getFileName()) + "]";
    }
}
