package dev.moesaic.serving.openai;

import java.util.List;

/** A validated {@code POST /v1/completions} body: one or more prompts, each answered with {@code n} choices. */
record CompletionRequest(SamplingOptions options, List<PromptInput> prompts) {
}
