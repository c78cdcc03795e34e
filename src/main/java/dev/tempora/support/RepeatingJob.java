package dev.tempora.support;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A component's background loop: a job run on a daemon thread of its own, {@code interval} after
 * {@link #start} and then {@code interval} after each run ends, until {@link #stop}.
 */
public final class RepeatingJob {

    private final String threadName;
    private @Nullable ScheduledExecutorService executor;

    public RepeatingJob(String threadName) {
        this.threadName = threadName;
    }

    public synchronized void start(Duration interval, Runnable job) {
        var started = Executors.newSingleThreadScheduledExecutor(
                runnable -> Thread.ofPlatform().name(threadName).daemon(true).unstarted(runnable));
        long millis = interval.toMillis();
        started.scheduleWithFixedDelay(job, millis, millis, TimeUnit.MILLISECONDS);
        executor = started;
    }

    /** Stops the loop, interrupting a run under way; returns without waiting for it. */
    public synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    public synchronized boolean isRunning() {
        return executor != null;
    }
}
