package dev.moesaic.engine.elastic;

/** Where a scaling operation is (ElasticMoE's plan -> prepare -> commit -> release). */
public enum ScalePhase {
    QUEUED, PLANNING, PREPARING, COMMITTING, RELEASING, DRAINING, DONE, FAILED, ROLLED_BACK;

    public boolean isFinal() {
        return this == DONE || this == FAILED || this == ROLLED_BACK;
    }
}
