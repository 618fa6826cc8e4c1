package dev.moesaic.router.gate;

import java.util.Objects;

/**
 * One MoE layer's routing rule, as a model file states it.
 *
 * <p>{@code groupCount}/{@code groupsUsed} = 1/1 means no grouping; {@code weightsScale} 0 or 1
 * means no scaling (llama.cpp treats both as "absent").
 *
 * @param expertCount      routed experts in the layer (GGUF {@code expert_count})
 * @param expertsUsed      experts chosen per token, the k of top-k ({@code expert_used_count})
 * @param function         softmax or sigmoid over the router logits
 * @param normalizeWeights divide the chosen weights by their sum ({@code expert_weights_norm})
 * @param weightsScale     multiply the chosen weights by this ({@code expert_weights_scale})
 * @param groupCount       expert groups for grouped top-k ({@code expert_group_count})
 * @param groupsUsed       groups kept per token ({@code expert_group_used_count})
 */
public record GateConfig(int expertCount, int expertsUsed, GatingFunction function, boolean normalizeWeights,
                         float weightsScale, int groupCount, int groupsUsed) {

    public GateConfig {
        Objects.requireNonNull(function, "gating function is null: pass SOFTMAX or SIGMOID");
        if (expertCount < 1) {
            throw new IllegalArgumentException("expertCount must be >= 1, got " + expertCount
                    + ": check the model's expert_count");
        }
        if (expertsUsed < 1 || expertsUsed > expertCount) {
            throw new IllegalArgumentException("expertsUsed must be in [1, expertCount=" + expertCount + "], got "
                    + expertsUsed + ": check the model's expert_used_count");
        }
        if (!Float.isFinite(weightsScale)) {
            throw new IllegalArgumentException("weightsScale must be finite, got " + weightsScale
                    + ": check the model's expert_weights_scale (0 or 1 = no scaling)");
        }
        if (groupCount < 1 || groupsUsed < 1 || groupsUsed > groupCount) {
            throw new IllegalArgumentException("need 1 <= groupsUsed <= groupCount, got groupCount=" + groupCount
                    + ", groupsUsed=" + groupsUsed + ": use 1/1 for a model without expert groups");
        }
        if (groupCount > 1) {
            if (expertCount % groupCount != 0) {
                throw new IllegalArgumentException("expertCount=" + expertCount + " is not divisible by groupCount="
                        + groupCount + ": every group must hold the same number of experts");
            }
            int groupSize = expertCount / groupCount;
            // the group score is the sum of the group's two best experts
            if (groupSize < 2) {
                throw new IllegalArgumentException("grouped top-k needs at least 2 experts per group, got "
                        + groupSize + " (expertCount=" + expertCount + ", groupCount=" + groupCount + ")");
            }
            if ((long) groupsUsed * groupSize < expertsUsed) {
                throw new IllegalArgumentException("groupsUsed=" + groupsUsed + " groups of " + groupSize
                        + " experts cannot supply expertsUsed=" + expertsUsed + " experts: raise groupsUsed");
            }
        }
    }

    /** A layer without expert groups. */
    public static GateConfig ungrouped(int expertCount, int expertsUsed, GatingFunction function,
                                       boolean normalizeWeights, float weightsScale) {
        return new GateConfig(expertCount, expertsUsed, function, normalizeWeights, weightsScale, 1, 1);
    }

    /** True when grouped top-k applies (more than one group). */
    public boolean grouped() {
        return groupCount > 1;
    }

    /** Experts per group ({@code expertCount} when ungrouped). */
    public int groupSize() {
        return expertCount / groupCount;
    }

    /** True when the weights are multiplied by {@link #weightsScale()} (llama.cpp skips 0 and 1). */
    public boolean scalesWeights() {
        return weightsScale != 0f && weightsScale != 1f;
    }
}
