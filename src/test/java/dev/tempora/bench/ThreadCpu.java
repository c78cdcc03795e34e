package dev.tempora.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CPU time of this JVM's threads, in groups: where a run's CPU went, beside how much. Read from
 * Linux's {@code /proc/self/task}, which lists every thread, the collector's and the JIT
 * compiler's included (a {@code ThreadMXBean} sees Java threads only); elsewhere it reads nothing.
 */
public final class ThreadCpu {

    public static final String APPLICATION = "application", H2 = "h2", GC = "gc", JIT = "jit", JVM = "jvm";

    /** The groups, in report order. */
    public static final List<String> GROUPS = List.of(APPLICATION, H2, GC, JIT, JVM);

    /** Linux's USER_HZ: the unit of the times in {@code /proc/<pid>/task/<tid>/stat}. */
    private static final double NANOS_PER_TICK = 1e9 / 100;

    private static final Path TASKS = Path.of("/proc/self/task");

    private ThreadCpu() {}

    /** CPU nanoseconds by thread id, with each thread's group; empty where {@code /proc} is not. */
    public static Map<String, Sample> now() {
        var out = new HashMap<String, Sample>();
        if (!Files.isDirectory(TASKS)) {
            return out;
        }
        try (var threads = Files.list(TASKS)) {
            threads.forEach(thread -> {
                try {
                    var stat = Files.readString(thread.resolve("stat"));
                    // The name (comm) is in parentheses and may hold spaces; utime and stime are the
                    // 12th and 13th fields after it.
                    var name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    long nanos = schedstatNanos(thread).orElse((long) (ticks * NANOS_PER_TICK));
                    out.put(thread.getFileName().toString(), new Sample(group(name), nanos));
                } catch (IOException ended) {
                    // The thread ended between the listing and the read: the file is gone
                    // (NoSuchFileException), or its read fails with ESRCH ("No such process").
                }
            });
        } catch (IOException unreadable) {
            throw new UncheckedIOException(unreadable);
        }
        return out;
    }

    /**
     * The thread's time on a CPU in nanoseconds, from {@code schedstat} (first field), where the
     * kernel keeps it: exact, where {@code stat} counts in clock ticks of 10 ms.
     */
    private static Optional<Long> schedstatNanos(Path thread) throws IOException {
        try {
            return Optional.of(
                    Long.parseLong(Files.readString(thread.resolve("schedstat")).split(" ")[0]));
        } catch (NoSuchFileException | NumberFormatException notKept) {
            return Optional.empty();
        }
    }

    /** A thread's group and its CPU time so far. */
    public record Sample(String group, long nanos) {}

    /**
     * CPU microseconds per task by group between two {@link #now} samples: threads that ended in
     * between are lost (the engines here keep theirs). Empty when the samples are.
     */
    public static Map<String, Double> perTask(Map<String, Sample> before, Map<String, Sample> after, long tasks) {
        if (after.isEmpty()) {
            return Map.of();
        }
        var out = new LinkedHashMap<String, Double>();
        GROUPS.forEach(group -> out.put(group, 0.0));
        after.forEach((thread, sample) -> {
            var earlier = before.get(thread);
            long spent = sample.nanos() - (earlier == null ? 0 : earlier.nanos());
            out.merge(sample.group(), spent / 1e3 / tasks, Double::sum);
        });
        return out;
    }

    /** CPU milliseconds by group between two {@link #now} samples, as {@link #perTask} counts them. */
    public static Map<String, Double> millis(Map<String, Sample> before, Map<String, Sample> after) {
        return perTask(before, after, 1_000);
    }

    /** The group of a thread by its kernel name (the first 15 characters of its Java name). */
    static String group(String name) {
        if (name.startsWith("Z") || name.startsWith("GC Thread") || name.startsWith("G1 ")) {
            return GC; // ZGC's ZWorkerYoung, ZDirector, ...; G1's and Parallel's workers
        }
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return JIT;
        }
        if (name.startsWith("H2-") || name.startsWith("MVStore")) {
            return H2; // its background writer: serialising and saving changed pages
        }
        if (name.startsWith("VM ") || name.equals("Service Thread") || name.startsWith("Notification")) {
            return JVM;
        }
        return APPLICATION;
    }
}
