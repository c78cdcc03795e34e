package dev.tempora.support;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A component's background loop: a job run on a daemon thread of its own, {@code interval} after
 * {@link #start} and then {@code interval} after each run ends, until {@link #stop}. A run that
 * throws, even an {@link Error}, is logged, and the next run comes as usual.
 */
public final class RepeatingJob {

    private static final Logger log = LoggerFactory.getLogger(RepeatingJob.class);

    private final String threadName;
    private @Nullable ScheduledExecutorService executor;

    public RepeatingJob(String threadName) {
        this.threadName = threadName;
    }

    public synchronized void start(Duration interval, Runnable job) {
        var started = Executors.newSingleThreadScheduledExecutor(
                runnable -> Thread.ofPlatform().name(threadName).daemon(true).unstarted(runnable));
        long millis = interval.toMillis();
        Runnable guarded = () -> {
            try {
                job.run();
            } catch (Throwable failed) {
                // A scheduled executor ends a job that throws, silently: a heartbeat that stopped so
                // would have this instance presumed dead while it runs tasks.
                if (DatabaseErrors.unreachable(failed)) {
                    // Every interval of an outage: a line each, not a stack trace each.
                    log.warn("{} failed, the database away: {}; it runs again in {}", threadName, failed, interval);
                } else {
                    log.error("{} failed; it runs again in {}", threadName, interval, failed);
                }
            }
        };
        started.scheduleWithFixedDelay(guarded, millis, millis, TimeUnit.MILLISECONDS);
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
