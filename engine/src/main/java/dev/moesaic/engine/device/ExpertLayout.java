package dev.moesaic.engine.device;

import dev.moesaic.engine.model.LayerWeights;
import dev.moesaic.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * How one MoE layer's expert is laid out inside a device's expert slot: gate, up and down
 * projections back to back, each in its original type, so a slot is a byte-exact copy of the
 * expert's rows in the model file and the kernels read it unchanged.
 */
public final class ExpertLayout {
    private final Tensor gate;
    private final Tensor up;
    private final Tensor down;
    private final long gateBytes;
    private final long upBytes;
    private final long downBytes;

    public ExpertLayout(LayerWeights layer) {
        this.gate = layer.expertGate();
        this.up = layer.expertUp();
        this.down = layer.expertDown();
        this.gateBytes = gate.matrixBytes();
        this.upBytes = up.matrixBytes();
        this.downBytes = down.matrixBytes();
    }

    /** Bytes of one expert (its three matrices). */
    public long expertBytes() {
        return gateBytes + upBytes + downBytes;
    }

    public int expertCount() {
        return gate.matrices();
    }

    /** Writes expert {@code expert} from the model's weights into {@code slot} (the initial load, or re-homing from the file). */
    public void copyFromModel(int expert, MemorySegment slot) {
        MemorySegment.copy(gate.matrix(expert).data(), 0, slot, 0, gateBytes);
        MemorySegment.copy(up.matrix(expert).data(), 0, slot, gateBytes, upBytes);
        MemorySegment.copy(down.matrix(expert).data(), 0, slot, gateBytes + upBytes, downBytes);
    }

    /** The expert in the model's own weights (the single-device path reads these directly). */
    public ExpertTensors fromModel(int expert) {
        return new ExpertTensors(gate.matrix(expert), up.matrix(expert), down.matrix(expert));
    }

    /** Tensor views of an expert stored in {@code slot}. */
    public ExpertTensors view(MemorySegment slot) {
        return new ExpertTensors(
                new Tensor(gate.name(), gate.type(), new long[] {gate.cols(), gate.rows()}, slot.asSlice(0, gateBytes)),
                new Tensor(up.name(), up.type(), new long[] {up.cols(), up.rows()}, slot.asSlice(gateBytes, upBytes)),
                new Tensor(down.name(), down.type(), new long[] {down.cols(), down.rows()}, slot.asSlice(gateBytes + upBytes, downBytes)));
    }
}
