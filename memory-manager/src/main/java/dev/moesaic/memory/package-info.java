/**
 * Device memory for Moesaic, the analog of ElasticMoE's HBM management module.
 *
 * <ul>
 *   <li>{@link dev.moesaic.memory.DevicePool}: a device's physical memory (a memfd) cut into pages, handed out
 *       as {@link dev.moesaic.memory.PoolAllocation}s to named owners, with exact accounting.</li>
 *   <li>{@link dev.moesaic.memory.VirtualRegion}: reserved address space into which pool pages are mapped,
 *       remapped and unmapped without copying; read through checked, invalidatable views.</li>
 *   <li>{@link dev.moesaic.memory.ExpertSlots}: one layer's experts on one device as {@code [slot][bytes]}.</li>
 *   <li>{@link dev.moesaic.memory.KvBlockManager} and {@link dev.moesaic.memory.BlockTable}: the paged KV cache.</li>
 *   <li>{@link dev.moesaic.memory.CopyEngine}: page copies between pools (the peer-to-peer link), and
 *       {@link dev.moesaic.memory.ExpertMigration}: moves with prepare/commit and rollback.</li>
 *   <li>{@link dev.moesaic.memory.MemoryMetrics}: per-device snapshots and the exact total peak.</li>
 * </ul>
 *
 * <h2>Concurrency contract</h2>
 * Every class is thread-safe. Compute threads read expert slots and KV blocks through segments without taking
 * locks, while one background thread prepares new slots (loads, copies into empty slots, copies out of occupied
 * ones). Operations that change what an occupied slot shows (remap, relayout, release, commit of a migration)
 * are only allowed when the caller guarantees nobody reads those slots; the engine commits placement changes
 * between iterations. Segments are invalidated before their pages change, so a reader that breaks the contract
 * gets an {@link java.lang.IllegalStateException}, never a crash. Closing a pool closes its regions and
 * invalidates all their segments the same way.
 */
package dev.moesaic.memory;
