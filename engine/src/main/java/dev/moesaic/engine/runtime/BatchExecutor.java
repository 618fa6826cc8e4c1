package dev.moesaic.engine.runtime;

import dev.moesaic.engine.forward.ForwardBatch;
import dev.moesaic.engine.forward.KvStorage;
import dev.moesaic.engine.forward.Transformer;
import java.util.List;

/** Turns an iteration's chunks into one {@link ForwardBatch} and runs it: the "execute" of a step. */
final class BatchExecutor {
    private final Transformer transformer;
    private final int vocab;
    private float[] logits = new float[0];

    BatchExecutor(Transformer transformer) {
        this.transformer = transformer;
        this.vocab = transformer.config().vocabSize();
    }

    int vocab() {
        return vocab;
    }

    /**
     * Runs the chunks (one per sequence) in one forward pass. The returned array holds one row of
     * {@link #vocab()} logits per chunk that wants logits, in chunk order; it is reused by the next call.
     */
    float[] run(List<Scheduler.Chunk> chunks) {
        int total = 0;
        int rows = 0;
        for (Scheduler.Chunk c : chunks) {
            total += c.length();
            rows += c.wantsLogits() ? 1 : 0;
        }
        int[] tokens = new int[total];
        int[] positions = new int[total];
        int[] sequenceOf = new int[total];
        int[][] tables = new int[chunks.size()][];
        KvStorage[] storages = new KvStorage[chunks.size()];
        int[] logitRows = new int[rows];
        int at = 0;
        int row = 0;
        for (int c = 0; c < chunks.size(); c++) {
            Scheduler.Chunk chunk = chunks.get(c);
            Sequence s = chunk.sequence();
            tables[c] = s.kv.blockTable();
            storages[c] = s.kv.storage();
            for (int i = 0; i < chunk.length(); i++) {
                tokens[at] = s.token(chunk.start() + i);
                positions[at] = chunk.start() + i;
                sequenceOf[at] = c;
                at++;
            }
            if (chunk.wantsLogits()) {
                logitRows[row++] = at - 1;
            }
        }
        if (logits.length < rows * vocab) {
            logits = new float[rows * vocab];
        }
        transformer.forward(new ForwardBatch(tokens, positions, sequenceOf, tables, storages, logitRows), logits);
        return logits;
    }
}
