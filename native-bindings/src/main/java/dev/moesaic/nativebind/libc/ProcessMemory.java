package dev.moesaic.nativebind.libc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the kernel says about this process's memory: the mappings in {@code /proc/self/maps}, the totals in
 * {@code /proc/self/smaps_rollup}, and the open file descriptors in {@code /proc/self/fd}. Used by tests and
 * benchmarks to check that memory really goes back to the kernel.
 */
public final class ProcessMemory {
    private static final Path MAPS = Path.of("/proc/self/maps");
    private static final Path SMAPS_ROLLUP = Path.of("/proc/self/smaps_rollup");
    private static final Path FDS = Path.of("/proc/self/fd");

    private ProcessMemory() {
    }

    /** Every mapping of the process, in address order. */
    public static List<MemoryMapping> mappings() {
        List<MemoryMapping> result = new ArrayList<>();
        for (String line : readLines(MAPS)) {
            result.add(parseMapsLine(line));
        }
        return result;
    }

    /** The sum of all mapping sizes (the process's virtual size, as {@code VmSize} counts it). */
    public static long mappedBytes() {
        return mappings().stream().mapToLong(MemoryMapping::bytes).sum();
    }

    /** Mappings whose path starts with {@code /memfd:<namePrefix>}. */
    public static List<MemoryMapping> memfdMappings(String namePrefix) {
        String prefix = "/memfd:" + namePrefix;
        return mappings().stream().filter(m -> m.path().startsWith(prefix)).toList();
    }

    /** {@code /proc/self/smaps_rollup} as field name -> bytes (e.g. {@code Rss}, {@code Pss_Shmem}). */
    public static Map<String, Long> rollup() {
        Map<String, Long> fields = new HashMap<>();
        for (String line : readLines(SMAPS_ROLLUP)) {
            int colon = line.indexOf(':');
            if (colon <= 0 || !line.endsWith(" kB")) {
                continue; // the header line names the address range, not a field
            }
            String value = line.substring(colon + 1, line.length() - 3).trim();
            fields.put(line.substring(0, colon), Long.parseLong(value) * 1024);
        }
        return fields;
    }

    /** How many file descriptors the process has open. */
    public static int openFileDescriptors() {
        try (Stream<Path> entries = Files.list(FDS)) {
            return (int) entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + FDS + " (is /proc mounted?)", e);
        }
    }

    static MemoryMapping parseMapsLine(String line) {
        // "start-end perms offset dev inode    path": path may be absent and may contain spaces
        String[] fields = line.trim().split("\\s+", 6);
        if (fields.length < 5) {
            throw new IllegalArgumentException("not a /proc/self/maps line: '" + line + "'");
        }
        int dash = fields[0].indexOf('-');
        long start = Long.parseUnsignedLong(fields[0].substring(0, dash), 16);
        long end = Long.parseUnsignedLong(fields[0].substring(dash + 1), 16);
        long offset = Long.parseUnsignedLong(fields[2], 16);
        String path = fields.length == 6 ? fields[5] : "";
        return new MemoryMapping(start, end, fields[1], offset, path);
    }

    private static List<String> readLines(Path path) {
        try {
            return Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " (is /proc mounted?)", e);
        }
    }
}
