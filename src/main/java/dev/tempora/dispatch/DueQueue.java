package dev.tempora.dispatch;

import dev.tempora.task.TaskId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractQueue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pool's work queue. The timer hands it each task shortly before the task's runAt ({@link
 * TaskTimer}); the queue holds it until then and gives workers only what is due, in backlog order
 * (priority, then runAt, then submission). Idle workers wait here for the earliest runAt, as a
 * {@code ScheduledThreadPoolExecutor}'s workers wait in its queue, so a task is started by a
 * worker that wakes at its runAt, and the timer's handing over (and the waking of workers it
 * would cost) is done before that.
 *
 * <p>Tasks not due yet are held in sched order apart from the due ones: a worker never takes one
 * early, nor before a task due sooner.
 */
final class DueQueue extends AbstractQueue<Runnable> implements BlockingQueue<Runnable> {

    private final Clock clock;

    /**
     * The longest a worker waits before it reads the clock again: the clock may be moved by hand
     * (tests) or be stepped by the system.
     */
    private final Duration maxWait;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Runnable> due = new PriorityQueue<>(64, TaskRun.BACKLOG_ORDER);
    private final PriorityQueue<TaskRun> notYetDue = new PriorityQueue<>(TaskRun.SCHED_ORDER);

    DueQueue(Clock clock, Duration maxWait) {
        this.clock = clock;
        this.maxWait = maxWait;
    }

    @Override
    public boolean offer(Runnable runnable) {
        boolean early = runnable instanceof TaskRun run && run.task().runAt().isAfter(clock.instant());
        lock.lock();
        try {
            if (early) {
                notYetDue.add((TaskRun) runnable);
            } else {
                due.add(runnable);
            }
            changed.signal();
        } finally {
            lock.unlock();
        }
        return true;
    }

    @Override
    public void put(Runnable runnable) {
        offer(runnable);
    }

    @Override
    public boolean offer(Runnable runnable, long timeout, TimeUnit unit) {
        return offer(runnable);
    }

    @Override
    public Runnable take() throws InterruptedException {
        return poll(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    }

    @Override
    public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
        long left = unit.toNanos(timeout);
        boolean waited = false;
        lock.lockInterruptibly();
        try {
            while (true) {
                var now = clock.instant();
                // Idle since before anything now due fell due, a worker that waited would have taken
                // each at its runAt, the soonest first; it wakes a little after the runAt it waited
                // for, and what fell due in that moment is no backlog. By backlog order a later run of
                // a lower priority value went first, 19 times in 20 with runAts 100 µs apart on a
                // pool of one (found by review), against the sched rule.
                Runnable next = waited && due.isEmpty() && isDue(notYetDue.peek(), now) ? notYetDue.poll() : null;
                promote(now);
                if (next == null) {
                    next = due.poll();
                }
                if (next != null) {
                    if (!due.isEmpty()) {
                        changed.signal();
                    }
                    return next;
                }
                if (left <= 0) {
                    return null;
                }
                var soonest = notYetDue.peek();
                if (soonest == null && left == Long.MAX_VALUE) {
                    changed.await();
                } else {
                    long wait = Math.min(
                            left,
                            soonest == null
                                    ? maxWait.toNanos()
                                    : TaskTimer.nanosUntil(now, soonest.task().runAt(), maxWait));
                    long remaining = changed.awaitNanos(wait);
                    if (left != Long.MAX_VALUE) {
                        left -= wait - remaining;
                    }
                }
                waited = true;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Runnable poll() {
        lock.lock();
        try {
            promote(clock.instant());
            return due.poll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Runnable peek() {
        lock.lock();
        try {
            promote(clock.instant());
            var next = due.peek();
            return next != null ? next : notYetDue.peek();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean remove(Object o) {
        lock.lock();
        try {
            return due.remove(o) || notYetDue.remove(o);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes the run of task {@code id} if it waits here (a cancelled task, which would only be
     * refused by its claim); whether it did.
     */
    boolean removeTask(TaskId id) {
        lock.lock();
        try {
            return due.removeIf(runnable ->
                            runnable instanceof TaskRun run && run.task().id().equals(id))
                    || notYetDue.removeIf(run -> run.task().id().equals(id));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int size() {
        lock.lock();
        try {
            return due.size() + notYetDue.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int remainingCapacity() {
        return Integer.MAX_VALUE;
    }

    @Override
    public int drainTo(Collection<? super Runnable> sink) {
        return drainTo(sink, Integer.MAX_VALUE);
    }

    @Override
    public int drainTo(Collection<? super Runnable> sink, int maxElements) {
        lock.lock();
        try {
            int drained = 0;
            while (drained < maxElements && (!due.isEmpty() || !notYetDue.isEmpty())) {
                sink.add(due.isEmpty() ? notYetDue.poll() : due.poll());
                drained++;
            }
            return drained;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes and returns the due tasks beyond the {@code keep} most urgent ones (backlog order):
     * what a node hands back for others to run.
     */
    List<TaskRun> shed(int keep) {
        lock.lock();
        try {
            promote(clock.instant());
            if (due.size() <= keep) {
                return List.of();
            }
            var byUrgency = new ArrayList<>(due);
            byUrgency.sort(TaskRun.BACKLOG_ORDER);
            due.clear();
            due.addAll(byUrgency.subList(0, keep));
            return byUrgency.subList(keep, byUrgency.size()).stream()
                    .map(TaskRun.class::cast)
                    .toList();
        } finally {
            lock.unlock();
        }
    }

    /** A snapshot: what is queued at this moment, due first. */
    @Override
    public Iterator<Runnable> iterator() {
        lock.lock();
        try {
            var all = new ArrayList<Runnable>(due);
            all.addAll(notYetDue);
            return all.iterator();
        } finally {
            lock.unlock();
        }
    }

    /** Moves what has fallen due to the due ones. */
    private void promote(Instant now) {
        while (isDue(notYetDue.peek(), now)) {
            due.add(notYetDue.poll());
        }
    }

    private static boolean isDue(TaskRun run, Instant now) {
        return run != null && !run.task().runAt().isAfter(now);
    }
}
