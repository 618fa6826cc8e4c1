package dev.moesaic.serving.host;

import dev.moesaic.engine.model.LoadedModel;
import dev.moesaic.engine.runtime.InferenceEngine;
import dev.moesaic.engine.tokenizer.Tokenizer;
import dev.moesaic.serving.chat.ChatTemplate;

/** A loaded model ready to serve: its id, the engine running it, its tokenizer and chat template. */
public record ServedModel(String id, LoadedModel model, InferenceEngine engine, ChatTemplate chatTemplate, long createdEpochSeconds) {
    public Tokenizer tokenizer() {
        return model.tokenizer();
    }
}
