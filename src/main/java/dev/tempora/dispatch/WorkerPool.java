package dev.tempora.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named pool of workers: a {@link ThreadPoolExecutor} whose work queue ({@link DueQueue}) holds
 * each task until its runAt and orders due tasks by the backlog rule (priority, then runAt, then
 * submission), so an urgent task overtakes a backlog.
 */
public final class WorkerPool {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    static final int MIN_SIZE = 1;
    static final int MAX_SIZE = 1024;

    private final String name;
    private final Clock clock;
    private final AtomicInteger threads = new AtomicInteger();
    private int size;
    private ThreadPoolExecutor executor;

    WorkerPool(String name, int size, Clock clock) {
        checkSize(size);
        this.name = name;
        this.clock = clock;
        this.size = size;
        this.executor = newExecutor();
    }

    private ThreadPoolExecutor newExecutor() {
        return new ThreadPoolExecutor(
                size,
                size,
                0,
                TimeUnit.MILLISECONDS,
                // Unbounded, but the dispatcher bounds what it holds in memory (maxInMemory).
                new DueQueue(clock, TaskTimer.RELEASE_AHEAD),
                runnable -> Thread.ofPlatform()
                        .name("tempora-" + name + "-" + threads.incrementAndGet())
                        .daemon(false)
                        .unstarted(runnable),
                // Only after shutdown: the task stays SCHEDULED in the database and runs after restart.
                (runnable, executor) -> log.debug("Pool {} is shut down; {} will run after restart", name, runnable));
    }

    /**
     * Readies the pool to take tasks, again after {@link #stopAccepting()} (a stopped executor
     * cannot restart), with every worker started: an executor short of its core size hands a task
     * straight to a new worker, which would run it without waiting in the queue for its runAt.
     */
    synchronized void restart() {
        if (executor.isShutdown()) {
            executor = newExecutor();
        }
        executor.prestartAllCoreThreads();
    }

    public String name() {
        return name;
    }

    synchronized void execute(TaskRun run) {
        executor.execute(run);
    }

    /** Resizes the live executor: threads are added at once, or retire as they become idle. */
    public synchronized void resize(int size) {
        checkSize(size);
        this.size = size;
        if (size > executor.getMaximumPoolSize()) {
            executor.setMaximumPoolSize(size);
            executor.setCorePoolSize(size);
        } else {
            executor.setCorePoolSize(size);
            executor.setMaximumPoolSize(size);
        }
        // As at the start: an executor adds only as many workers as tasks are waiting.
        executor.prestartAllCoreThreads();
        log.info("Pool {} resized to {} workers", name, size);
    }

    public synchronized PoolStatus status() {
        return new PoolStatus(
                name,
                executor.getCorePoolSize(),
                executor.getActiveCount(),
                executor.getQueue().size(),
                executor.getCompletedTaskCount(),
                executor.getLargestPoolSize());
    }

    synchronized int queued() {
        return executor.getQueue().size();
    }

    /** Stops taking tasks: returns the runs that were waiting, which never start here. */
    synchronized List<TaskRun> stopAccepting() {
        var waiting = new ArrayList<Runnable>();
        executor.getQueue().drainTo(waiting);
        executor.shutdown();
        return waiting.stream().map(TaskRun.class::cast).toList();
    }

    /** Waits for the running tasks to end; whether they did within {@code timeout}. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        ThreadPoolExecutor stopping;
        synchronized (this) {
            stopping = executor;
        }
        return stopping.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    synchronized void interruptAll() {
        executor.shutdownNow();
    }

    static void checkSize(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new IllegalArgumentException("pool size must be between %d and %d".formatted(MIN_SIZE, MAX_SIZE));
        }
    }
}
