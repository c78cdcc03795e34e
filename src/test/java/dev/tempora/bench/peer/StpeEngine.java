package dev.tempora.bench.peer;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline: a bare {@link ScheduledThreadPoolExecutor} with the common worker count. Nothing is
 * stored, so it is what an in-memory scheduler costs, and the lateness any JVM timer has here.
 */
final class StpeEngine implements Engine {

    private final Probe probe;
    private final int threads;
    private final AtomicLong outstanding = new AtomicLong();
    private ScheduledThreadPoolExecutor executor;

    StpeEngine(Probe probe, int threads) {
        this.probe = probe;
        this.threads = threads;
    }

    @Override
    public String name() {
        return "bare-stpe";
    }

    @Override
    public boolean durable() {
        return false;
    }

    @Override
    public void start() {
        executor = new ScheduledThreadPoolExecutor(
                threads, Thread.ofPlatform().name("bare-stpe-", 0).factory());
    }

    @Override
    public void submitDueNow(int firstId, int count) {
        outstanding.addAndGet(count);
        for (int i = 0; i < count; i++) {
            executor.execute(run(firstId + i));
        }
    }

    @Override
    public void submitAt(int firstId, List<Instant> due) {
        outstanding.addAndGet(due.size());
        var now = Instant.now();
        for (int i = 0; i < due.size(); i++) {
            long delay = Math.max(0, Duration.between(now, due.get(i)).toNanos());
            executor.schedule(run(firstId + i), delay, TimeUnit.NANOSECONDS);
        }
    }

    private Runnable run(int id) {
        return () -> {
            probe.ran(id);
            outstanding.decrementAndGet();
        };
    }

    @Override
    public long unfinishedDueBefore(Instant horizon) {
        // Nothing is stored; a far-future backlog is never given to this engine.
        return outstanding.get();
    }

    @Override
    public void cancelPending(Instant horizon) {
        outstanding.addAndGet(-executor.getQueue().size());
        executor.getQueue().clear();
    }

    @Override
    public void stop() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
