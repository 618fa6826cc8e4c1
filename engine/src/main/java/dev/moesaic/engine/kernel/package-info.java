/**
 * Compute kernels: matmul over every supported weight type, row dequantization, attention.
 *
 * <h2>Which kernels</h2>
 * <ul>
 *   <li>{@link dev.moesaic.engine.kernel.Kernels#reference()}: scalar, single-threaded, the
 *       definition of correct.</li>
 *   <li>{@link dev.moesaic.engine.kernel.VectorKernels}: the default fast path (Vector API),
 *       bitwise batch-invariant.</li>
 *   <li>{@link dev.moesaic.engine.kernel.DnnlKernels}: F32/BF16 through oneDNN, opt-in, <em>not</em>
 *       batch-invariant (oneDNN picks another implementation for M=1 than for M=64).</li>
 *   <li>{@link dev.moesaic.engine.kernel.Attention} / {@link dev.moesaic.engine.kernel.ReferenceAttention}:
 *       causal GQA over a paged KV cache ({@link dev.moesaic.engine.kernel.PagedKv}); {@code batch} runs a
 *       continuous batch (tokens of many sequences) as one lane job over its (token, head) pairs.</li>
 * </ul>
 * {@link dev.moesaic.engine.kernel.Kernels#matmulEach} runs several matrices over the same input (Q/K/V, an
 * expert's gate and up) as one lane job with the activations prepared once; each output is bitwise
 * what {@code matmul} gives. Measured numbers and their limits: {@code docs/PERFORMANCE.md}.
 *
 * <h2>Lifecycle</h2>
 * <pre>{@code
 * try (ComputeLane lane = ComputeLane.allCores("device-0")) {   // or ComputeLane.create(name, threads)
 *     Kernels k = new VectorKernels(lane);                      // one per lane; not thread-safe
 *     Attention attention = new Attention(lane);
 *     k.matmul(w, x, m, out);                                   // called from one driver thread
 * }                                                             // close() stops the lane's workers
 * }</pre>
 * A lane is one device: its threads (the driver thread plus {@code threads - 1} workers) split every
 * job over output rows or heads. Workers spin about 200 microseconds after a job, then park; one
 * lane per core group, never more lane threads than cores. Weights must live in memory every lane
 * thread may read: a shared or global arena, or an mmap'ed file (not a confined arena).
 *
 * <h2>Batch invariance</h2>
 * The value of one output element depends only on its weight row, its activation row and the
 * machine's vector width. Every kernel reduces over K in a fixed order (fixed lane layout, blocks
 * in order, {@code Lanes.sum} for the horizontal sum: never {@code reduceLanes(ADD)}, whose order may
 * differ between JIT tiers). Tiles share loads between rows but never change a value; the lane
 * splits only output rows or heads. The differential tests check it bitwise (a row alone vs in a
 * batch of 64; 1, 2 and 3 threads).
 */
package dev.moesaic.engine.kernel;
