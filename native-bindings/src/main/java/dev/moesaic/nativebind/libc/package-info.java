/**
 * libc through the Foreign Function and Memory API: memfd, mmap and friends as downcalls that turn errno
 * into {@link dev.moesaic.nativebind.libc.ErrnoException}, plus readers for {@code /proc/self}. Mechanism
 * only: the policy (pools, regions, ownership) lives in {@code dev.moesaic.memory}. Linux x86_64 only.
 */
package dev.moesaic.nativebind.libc;
