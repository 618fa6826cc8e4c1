/**
 * Tokenizers: text to token ids and back, with llama.cpp's semantics so a model file gives the
 * same ids and text here as in llama.cpp.
 *
 * <p>Entry points: {@link dev.moesaic.engine.tokenizer.Tokenizers} (from a GGUF file, a llama2.c
 * tokenizer file, or the built-in vocabulary), the {@link dev.moesaic.engine.tokenizer.Tokenizer}
 * interface, and {@link dev.moesaic.engine.tokenizer.StreamingDecoder} for generated text.
 *
 * <p>How a text becomes ids ({@code VocabularyTokenizer}): special tokens written in the text are
 * cut out first ({@code SpecialTokenSplitter}); each remaining run goes through the vocabulary's
 * algorithm, SentencePiece-style merging by score ({@code SentencePieceEncoder}) or byte-level BPE
 * by merge rank after a regex pre-tokenizer ({@code BytePairEncoder}, {@code PreTokenizer},
 * {@code PreTokenizerKind}). {@code VocabularyTable} applies llama.cpp's loading rules to what the
 * file declares (defaults, special tokens recognised by their text, end-of-generation tokens).
 *
 * <p>Every fast path has a slow twin used only by tests: {@code SentencePieceReference},
 * {@code BytePairReference}, and true-Unicode regexes for the hand-written splitters
 * ({@code Gpt2Split}, {@code Llama3Split}).
 */
package dev.moesaic.engine.tokenizer;
