package dev.tempora.bench.peer;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * What every engine's zero-work task does: tell the probe it ran. The probe records when each task
 * of the current measurement started (its handler was entered) against when it was due, so
 * lateness is measured the same way, in the same JVM clock, for every engine.
 *
 * <p>Ids are handed out once and never reused, so they double as unique keys in the engines'
 * stores; a task from an earlier measurement (or the future backlog) is simply not counted.
 */
public final class Probe {

    private final AtomicInteger nextId = new AtomicInteger();
    private volatile Run current = new Run(0, 0, null);

    /** Starts a measurement of {@code count} tasks; returns the first of their consecutive ids. */
    public int begin(int count) {
        return begin(count, null);
    }

    /**
     * Starts a measurement of tasks due at {@code due} (one per task, in id order); returns the
     * first id. {@code null}: lateness is not recorded (tasks due "now").
     */
    public int begin(int count, Instant[] due) {
        int first = nextId.getAndAdd(count);
        long[] dueMicros = null;
        if (due != null) {
            dueMicros = new long[count];
            for (int i = 0; i < count; i++) {
                dueMicros[i] = micros(due[i]);
            }
        }
        current = new Run(first, count, dueMicros);
        return first;
    }

    /** Reserves ids for tasks that are not part of any measurement (a backlog that must not run). */
    public int reserve(int count) {
        return nextId.getAndAdd(count);
    }

    /** Called by the engines' task handlers. */
    public void ran(int id) {
        current.ran(id, micros(Instant.now()));
    }

    /** Waits until every task of the current measurement has run; false on timeout. */
    public boolean awaitAll(Duration timeout) throws InterruptedException {
        return current.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public long ranCount() {
        var run = current;
        return run.count - run.done.getCount();
    }

    /**
     * Start minus due in milliseconds, sorted, for the tasks of the current measurement. A task that
     * has not run yet counts as starting now: a lower bound, for runs cut off by their time bound.
     */
    public double[] latenessMillis() {
        var run = current;
        long now = micros(Instant.now());
        int recorded = run.recorded.get();
        var lateness = new double[run.dueMicros == null ? 0 : run.count];
        for (int i = 0; i < recorded; i++) {
            lateness[i] = run.latenessMicros[i] / 1000.0;
        }
        int next = recorded;
        for (int i = 0; i < run.count && run.dueMicros != null; i++) {
            if (run.seen.get(i) == 0) {
                lateness[next++] = (now - run.dueMicros[i]) / 1000.0;
            }
        }
        Arrays.sort(lateness, 0, next);
        return Arrays.copyOf(lateness, next);
    }

    static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1000;
    }

    private static final class Run {
        final int first;
        final int count;
        final long[] dueMicros;
        final long[] latenessMicros;
        final AtomicIntegerArray seen;
        final AtomicInteger recorded = new AtomicInteger();
        final CountDownLatch done;

        Run(int first, int count, long[] dueMicros) {
            this.first = first;
            this.count = count;
            this.dueMicros = dueMicros;
            this.latenessMicros = new long[dueMicros == null ? 0 : count];
            this.seen = new AtomicIntegerArray(count);
            this.done = new CountDownLatch(count);
        }

        void ran(int id, long nowMicros) {
            int index = id - first;
            // At-least-once engines may run a task twice: only its first start counts.
            if (index < 0 || index >= count || !seen.compareAndSet(index, 0, 1)) {
                return;
            }
            if (dueMicros != null) {
                latenessMicros[recorded.getAndIncrement()] = nowMicros - dueMicros[index];
            }
            done.countDown();
        }
    }
}
