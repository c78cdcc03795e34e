package dev.tempora.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named pool of workers: a {@link ThreadPoolExecutor} whose work queue orders waiting tasks by
 * the backlog rule (priority, then runAt, then submission), so an urgent task overtakes a backlog.
 */
public final class WorkerPool {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    static final int MIN_SIZE = 1;
    static final int MAX_SIZE = 1024;

    private final String name;
    private final ThreadPoolExecutor executor;

    WorkerPool(String name, int size) {
        checkSize(size);
        this.name = name;
        var threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(
                size,
                size,
                0,
                TimeUnit.MILLISECONDS,
                // Unbounded, but the dispatcher bounds what it holds in memory (maxInMemory).
                new PriorityBlockingQueue<>(64, TaskRun.BACKLOG_ORDER),
                runnable -> {
                    var thread = new Thread(runnable, "tempora-" + name + "-" + threads.incrementAndGet());
                    thread.setDaemon(false);
                    return thread;
                },
                // Only after shutdown: the task stays SCHEDULED in the database and runs after restart.
                (runnable, executor) -> log.debug("Pool {} is shut down; {} will run after restart", name, runnable));
    }

    public String name() {
        return name;
    }

    void execute(TaskRun run) {
        executor.execute(run);
    }

    /** Resizes the live executor: threads are added at once, or retire as they become idle. */
    public synchronized void resize(int size) {
        checkSize(size);
        if (size > executor.getMaximumPoolSize()) {
            executor.setMaximumPoolSize(size);
            executor.setCorePoolSize(size);
        } else {
            executor.setCorePoolSize(size);
            executor.setMaximumPoolSize(size);
        }
        log.info("Pool {} resized to {} workers", name, size);
    }

    public PoolStatus status() {
        return new PoolStatus(
                name,
                executor.getCorePoolSize(),
                executor.getActiveCount(),
                executor.getQueue().size(),
                executor.getCompletedTaskCount(),
                executor.getLargestPoolSize());
    }

    /** Stops taking tasks: returns the runs that were waiting, which never start here. */
    List<TaskRun> stopAccepting() {
        var waiting = new ArrayList<Runnable>();
        executor.getQueue().drainTo(waiting);
        executor.shutdown();
        return waiting.stream().map(TaskRun.class::cast).toList();
    }

    /** Waits for the running tasks to end; whether they did within {@code timeout}. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    void interruptAll() {
        executor.shutdownNow();
    }

    static void checkSize(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new IllegalArgumentException("pool size must be between %d and %d".formatted(MIN_SIZE, MAX_SIZE));
        }
    }
}
