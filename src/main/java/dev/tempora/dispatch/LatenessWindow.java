package dev.tempora.dispatch;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Dispatch lateness over roughly the last minute, for {@code /stats}: recorded by every worker as
 * it starts a task, so recording must never make a worker wait. An HdrHistogram {@link Recorder}
 * with a fixed range records without locks; every {@link #SLICE} its interval is added to one of
 * {@link #SLICES} slices, and a snapshot merges them (a window of two to three slices).
 *
 * <p>This replaced Micrometer's client-side percentiles on the lateness timer, whose histogram
 * adjusts its range under a lock as values arrive: a trace of the peer benchmark (2026-12-03) had
 * five workers blocked 4 to 7 ms in it at once, in the middle of a group of tasks due together.
 */
final class LatenessWindow {

    static final Duration SLICE = Duration.ofSeconds(20);
    static final int SLICES = 3;

    /** Recorded in microseconds, up to an hour; anything later counts as an hour. */
    private static final Duration MAX = Duration.ofHours(1);

    private static final long MAX_MICROS = MAX.toNanos() / 1000;

    private final Recorder recorder = new Recorder(MAX_MICROS, 2);
    private final Histogram[] slices = new Histogram[SLICES];
    private final LongAdder count = new LongAdder();
    private final ReentrantLock rotating = new ReentrantLock();
    private final long sliceNanos = SLICE.toNanos();
    private final LongSupplier nanoTime;
    private long slice;
    private volatile long nextSliceAt;
    private Histogram interval;

    LatenessWindow() {
        this(System::nanoTime);
    }

    /** With {@code nanoTime} as the clock: for tests. */
    LatenessWindow(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        for (int i = 0; i < SLICES; i++) {
            slices[i] = new Histogram(MAX_MICROS, 2);
        }
        slice = Math.floorDiv(nanoTime.getAsLong(), sliceNanos);
        nextSliceAt = (slice + 1) * sliceNanos;
    }

    void record(Duration late) {
        // One worker in a slice's worth of starts moves the window on first; the others never wait for it.
        if (nanoTime.getAsLong() - nextSliceAt >= 0 && rotating.tryLock()) {
            try {
                collect(nanoTime.getAsLong());
            } finally {
                rotating.unlock();
            }
        }
        recorder.recordValue(late.isNegative() ? 0 : late.compareTo(MAX) > 0 ? MAX_MICROS : late.toNanos() / 1000);
        count.increment();
    }

    /**
     * p50, p99 and max in milliseconds over the window, how many starts it holds, and the count of
     * all starts recorded.
     */
    DispatchMetrics.Lateness snapshot() {
        var merged = new Histogram(MAX_MICROS, 2);
        rotating.lock();
        try {
            collect(nanoTime.getAsLong());
            for (var recent : slices) {
                merged.add(recent);
            }
        } finally {
            rotating.unlock();
        }
        if (merged.getTotalCount() == 0) {
            return new DispatchMetrics.Lateness(0, 0, 0, 0, count.sum());
        }
        return new DispatchMetrics.Lateness(
                millis(merged.getValueAtPercentile(50)),
                millis(merged.getValueAtPercentile(99)),
                millis(merged.getMaxValue()),
                merged.getTotalCount(),
                count.sum());
    }

    /**
     * Adds what was recorded since the last call to the slice of that call (a slice boundary makes
     * the next record call here before it records), then moves on to the slice of {@code now},
     * clearing the slices that have passed.
     */
    private void collect(long now) {
        interval = recorder.getIntervalHistogram(interval);
        slices[Math.floorMod(slice, SLICES)].add(interval);
        long current = Math.floorDiv(now, sliceNanos);
        if (current != slice) {
            for (long passed = slice + 1; passed <= current && passed <= slice + SLICES; passed++) {
                slices[Math.floorMod(passed, SLICES)].reset();
            }
            slice = current;
            nextSliceAt = (current + 1) * sliceNanos;
        }
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }
}
