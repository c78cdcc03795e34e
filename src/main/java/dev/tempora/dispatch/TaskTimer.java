package dev.tempora.dispatch;

import dev.tempora.task.TaskId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory timer: holds runs of tasks in sched order (runAt, priority, submission) and
 * releases each {@link #RELEASE_AHEAD} before its runAt, on one thread that sleeps until the
 * earliest is due; those due together, in backlog order (priority, runAt, submission).
 * Releasing only hands the run to its pool, whose queue holds it until its runAt ({@link
 * DueQueue}), so a slow handler or database never delays the next release, and the handing over
 * is done before the task is due.
 */
final class TaskTimer {

    private static final Logger log = LoggerFactory.getLogger(TaskTimer.class);

    /** The longest single wait; the loop simply waits again. */
    private static final Duration MAX_WAIT = Duration.ofHours(1);

    /**
     * How long before its runAt a task is handed to its pool: ahead of the handing over of the
     * group due with it and the waking of the workers that will run it, which took 0.15 to 0.3 ms
     * for 20 tasks at once on a 2-core machine (docs/benchmarks.md, item 15).
     */
    static final Duration RELEASE_AHEAD = Duration.ofMillis(1);

    private final Clock clock;
    private final Consumer<TaskRun> release;
    private final PriorityQueue<TaskRun> pending = new PriorityQueue<>(TaskRun.SCHED_ORDER);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private Thread thread;
    private boolean stopped;

    TaskTimer(Clock clock, Consumer<TaskRun> release) {
        this.clock = clock;
        this.release = release;
    }

    void start() {
        thread = Thread.ofPlatform().name("tempora-timer").daemon(true).start(this::loop);
    }

    /**
     * Holds {@code runs} until each is due, all at once: those due already are then released
     * together, most urgent first. Returns those refused: all of them once the timer has stopped.
     */
    List<TaskRun> addAll(List<TaskRun> runs) {
        lock.lock();
        try {
            if (stopped) {
                return runs;
            }
            var head = pending.peek();
            pending.addAll(runs);
            if (pending.peek() != head) {
                changed.signal();
            }
            return List.of();
        } finally {
            lock.unlock();
        }
    }

    /** Removes the run of task {@code id} if it waits here; whether it did. */
    boolean remove(TaskId id) {
        lock.lock();
        try {
            return pending.removeIf(run -> run.task().id().equals(id));
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

    /** How many runs wait here, by pool. */
    Map<String, Integer> heldByPool() {
        lock.lock();
        try {
            var held = new HashMap<String, Integer>();
            pending.forEach(run -> held.merge(run.task().pool(), 1, Integer::sum));
            return held;
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

    /** Stops releasing; returns the runs still waiting here, which will not be released. */
    List<TaskRun> stop() throws InterruptedException {
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
        lock.lock();
        try {
            var held = List.copyOf(pending);
            pending.clear();
            return held;
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        var due = new ArrayList<TaskRun>();
        lock.lock();
        try {
            while (!stopped) {
                var head = pending.peek();
                if (head == null) {
                    changed.awaitUninterruptibly();
                    continue;
                }
                var horizon = clock.instant().plus(RELEASE_AHEAD);
                if (head.task().runAt().isAfter(horizon)) {
                    changed.awaitNanos(nanosUntil(horizon, head.task().runAt(), MAX_WAIT));
                    continue;
                }
                while (head != null && !head.task().runAt().isAfter(horizon)) {
                    due.add(pending.poll());
                    head = pending.peek();
                }
                // Due within a millisecond of each other (or overdue, after a restart): handed over
                // most urgent first, as the pools' queues order those due, since the first may go
                // straight to an idle worker before the others are in its queue.
                due.sort(TaskRun.BACKLOG_ORDER);
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

    /**
     * Nanoseconds from {@code now} to {@code then}, at least 1 and at most {@code atMost}: saturates
     * instead of overflowing, since a runAt centuries away must not break a wait.
     */
    static long nanosUntil(Instant now, Instant then, Duration atMost) {
        var wait = Duration.between(now, then);
        return wait.compareTo(atMost) > 0 ? atMost.toNanos() : Math.max(1, wait.toNanos());
    }

    private void releaseAll(ArrayList<TaskRun> due) {
        for (var run : due) {
            try {
                release.accept(run);
            } catch (RuntimeException unexpected) {
                log.error(
                        "Could not release task {}; it is given back to run later",
                        run.task().id(),
                        unexpected);
            }
        }
    }
}
