package dev.tempora.dispatch;

import dev.tempora.task.DueTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory timer: holds tasks in sched order (runAt, priority, submission) and releases each
 * at its runAt, on one thread that sleeps until the earliest is due. Releasing only hands the task
 * to its pool, so a slow handler or database never delays the next release.
 */
final class TaskTimer {

    private static final Logger log = LoggerFactory.getLogger(TaskTimer.class);

    /** The longest single wait; the loop simply waits again. */
    private static final Duration MAX_WAIT = Duration.ofHours(1);

    private final Clock clock;
    private final Consumer<DueTask> release;
    private final PriorityQueue<DueTask> pending = new PriorityQueue<>(DueTask.SCHED_ORDER);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private Thread thread;
    private boolean stopped;

    TaskTimer(Clock clock, Consumer<DueTask> release) {
        this.clock = clock;
        this.release = release;
    }

    void start() {
        thread = Thread.ofPlatform().name("tempora-timer").daemon(true).start(this::loop);
    }

    void add(DueTask task) {
        lock.lock();
        try {
            pending.add(task);
            if (pending.peek() == task) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    /** Re-reads the clock now: for tests whose clock moves by hand. */
    void wake() {
        lock.lock();
        try {
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    void stop() throws InterruptedException {
        lock.lock();
        try {
            stopped = true;
            changed.signal();
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            thread.join();
        }
    }

    private void loop() {
        var due = new ArrayList<DueTask>();
        lock.lock();
        try {
            while (!stopped) {
                var head = pending.peek();
                if (head == null) {
                    changed.awaitUninterruptibly();
                    continue;
                }
                var now = clock.instant();
                if (head.runAt().isAfter(now)) {
                    changed.awaitNanos(nanosUntil(now, head.runAt()));
                    continue;
                }
                while (head != null && !head.runAt().isAfter(now)) {
                    due.add(pending.poll());
                    head = pending.peek();
                }
                lock.unlock();
                try {
                    releaseAll(due);
                } finally {
                    due.clear();
                    lock.lock();
                }
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Saturates instead of overflowing: a runAt centuries away must not break the timer. */
    private static long nanosUntil(Instant now, Instant then) {
        var wait = Duration.between(now, then);
        return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT.toNanos() : wait.toNanos();
    }

    private void releaseAll(ArrayList<DueTask> due) {
        for (var task : due) {
            try {
                release.accept(task);
            } catch (RuntimeException unexpected) {
                log.error("Could not release task {}; it stays SCHEDULED", task.id(), unexpected);
            }
        }
    }
}
