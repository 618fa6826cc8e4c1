package dev.moesaic.engine.tokenizer;

/**
 * One step of a pre-tokenizer: it cuts each current piece of the text into smaller pieces, never
 * across the existing cuts. Pieces are given as lengths in code points, in text order, covering
 * the whole text.
 */
interface SplitRule {
    IntList split(CodepointText text, IntList pieces);
}
