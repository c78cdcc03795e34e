package dev.tempora.dispatch;

import dev.tempora.task.TaskId;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
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

    /** A worker between tasks; {@link System#nanoTime} may be any long, but this one is far-fetched. */
    private static final long IDLE = Long.MIN_VALUE;

    private final String name;
    private final Clock clock;
    private final AtomicInteger threads = new AtomicInteger();
    private int size;
    private ThreadPoolExecutor executor;

    /** Workers' time on tasks, and how many tasks, since the last {@link #waitingShare}. */
    private final LongAdder busyNanos = new LongAdder();

    private final LongAdder ran = new LongAdder();

    /** The mean time a worker spent on a task, as of the last {@link #waitingShare}; 0 until one ran. */
    private long meanRunNanos;

    /**
     * When each live worker (of any of this pool's executors, the one stopped by {@link
     * #stopAccepting} too) began its current task, or {@link #IDLE}; those not idle are the workers
     * running a task now. Not {@link ThreadPoolExecutor#getActiveCount}: that counts a worker whose
     * thread has not started yet as active, so a pool just grown reported its new workers as busy.
     */
    private final List<AtomicLong> began = new CopyOnWriteArrayList<>();

    private final ThreadLocal<AtomicLong> mine = ThreadLocal.withInitial(() -> {
        var since = new AtomicLong(IDLE);
        began.add(since);
        return since;
    });

    WorkerPool(String name, int size, Clock clock) {
        checkSize(size);
        this.name = name;
        this.clock = clock;
        this.size = size;
        this.executor = newExecutor();
    }

    private ThreadPoolExecutor newExecutor() {
        return new TimedExecutor(
                size,
                size,
                0,
                TimeUnit.MILLISECONDS,
                // Unbounded, but the dispatcher bounds what it holds in memory (maxInMemory).
                new DueQueue(clock, TaskTimer.RELEASE_AHEAD),
                runnable -> Thread.ofPlatform()
                        .name("tempora-" + name + "-" + threads.incrementAndGet())
                        .daemon(false)
                        .unstarted(() -> {
                            try {
                                runnable.run();
                            } finally {
                                // A worker retired (resize, stop) or replaced after a throw: out of the count.
                                began.remove(mine.get());
                                mine.remove();
                            }
                        }),
                // Only after shutdown, which the dispatcher's stop does once its timer has stopped and
                // after which it hands back what reaches it: none should come. One would stay reserved
                // for this node until it leaves the node list, and then run on any instance.
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
                active(),
                executor.getQueue().size(),
                executor.getCompletedTaskCount(),
                executor.getLargestPoolSize());
    }

    synchronized int size() {
        return size;
    }

    int active() {
        return runningSince().size();
    }

    synchronized int queued() {
        return executor.getQueue().size();
    }

    /**
     * How many due tasks this pool should keep waiting for its workers while other instances share
     * the work: what its workers start within {@code span}, at the mean time they took per task
     * lately (since the last call, or before if none ran since). A worker starts its next task once
     * its current one ends: in the mean time less what it has run, or, for one that has run longer
     * than the mean, in as long again as it has run. Workers busy with tasks far longer than the
     * mean start nothing within the span: counted at the mean alone, a pool whose short tasks had
     * been followed by long ones kept a backlog for as long as those ran, other instances idle. No
     * limit until a task has ended, unless every worker has run its task for the whole span.
     */
    synchronized int waitingShare(Duration span) {
        long count = ran.sumThenReset();
        long busy = busyNanos.sumThenReset();
        if (count > 0) {
            meanRunNanos = Math.max(1, busy / count);
        }
        long spanNanos = span.toNanos();
        long now = System.nanoTime();
        var busySince = runningSince();
        double starts = 0;
        for (int worker = 0; worker < size; worker++) {
            long untilFree = 0;
            if (worker < busySince.size()) {
                long elapsed = now - busySince.get(worker);
                untilFree = elapsed < meanRunNanos ? meanRunNanos - elapsed : elapsed;
            }
            if (untilFree >= spanNanos) {
                continue;
            }
            if (meanRunNanos == 0) {
                return Integer.MAX_VALUE;
            }
            starts += (double) (spanNanos - untilFree) / meanRunNanos;
        }
        return (int) Math.min(Integer.MAX_VALUE, starts);
    }

    /** When each worker running a task now began it. */
    private List<Long> runningSince() {
        var since = new ArrayList<Long>();
        for (var worker : began) {
            long at = worker.getAcquire();
            if (at != IDLE) {
                since.add(at);
            }
        }
        return since;
    }

    /**
     * Takes back the due tasks waiting beyond the {@code keep} most urgent, and beyond one for
     * each idle worker (which may be about to take it): they never start here.
     */
    synchronized List<TaskRun> shed(int keep) {
        long idle = Math.max(0, size - active());
        return ((DueQueue) executor.getQueue()).shed((int) Math.min(Integer.MAX_VALUE, keep + idle));
    }

    /**
     * Takes back the waiting run of task {@code id}, which was cancelled: it leaves the queue (and
     * {@code queued}) at once instead of when a worker would have taken it only to find it
     * cancelled. Whether it waited here.
     */
    synchronized boolean withdraw(TaskId id) {
        return ((DueQueue) executor.getQueue()).removeTask(id);
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

    /** An executor that counts the time its workers spend on tasks, for {@link #waitingShare}. */
    private final class TimedExecutor extends ThreadPoolExecutor {

        TimedExecutor(
                int size,
                int maxSize,
                long keepAlive,
                TimeUnit unit,
                DueQueue queue,
                ThreadFactory threads,
                RejectedExecutionHandler rejected) {
            super(size, maxSize, keepAlive, unit, queue, threads, rejected);
        }

        @Override
        protected void beforeExecute(Thread worker, Runnable task) {
            mine.get().setRelease(System.nanoTime());
        }

        @Override
        protected void afterExecute(Runnable task, Throwable failure) {
            var since = mine.get();
            busyNanos.add(System.nanoTime() - since.getPlain());
            since.setRelease(IDLE);
            ran.increment();
        }
    }

    static void checkSize(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new IllegalArgumentException("pool size must be between %d and %d".formatted(MIN_SIZE, MAX_SIZE));
        }
    }
}
