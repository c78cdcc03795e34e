package dev.tempora.task;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * In-memory completion signals for long polls: a waiter parks on a future, not on a database
 * loop, and holds no thread while it waits. A signal says only "look again"; the database stays
 * the source of truth, so a missed or spurious signal costs at most one read.
 *
 * <p>At a stop every waiter wakes, and later ones do not wait: an open long poll held a graceful
 * shutdown for the rest of its wait (up to 60 s), past the stop timeouts the README advises.
 */
@Component
public class TaskCompletions implements SmartLifecycle {

    /**
     * Stopped after the dispatcher, whose grace lets running tasks end (and wake their polls), and
     * before the web server's graceful stop ({@code DEFAULT_PHASE - 1024}), which waits for open requests.
     */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private final ConcurrentHashMap<TaskId, Waiters> waiting = new ConcurrentHashMap<>();

    /** Set by a stop, cleared by a start; false before the first start, so that early polls wait. */
    private volatile boolean stopping;

    private volatile boolean running;

    /**
     * A future that completes (normally) when {@code id} is signalled or when {@code timeout} has
     * passed, whichever comes first. Register before reading the task, so that a completion between
     * the read and the wait is not missed; a caller that answers without waiting completes the
     * future, which unregisters it.
     */
    public CompletableFuture<Void> whenSignalled(TaskId id, Duration timeout) {
        var waiters = waiting.compute(id, (key, existing) -> {
            var current = existing == null ? new Waiters() : existing;
            current.count++;
            return current;
        });
        var signal = waiters.signal.copy().completeOnTimeout(null, timeout.toNanos(), TimeUnit.NANOSECONDS);
        // On this future, not a dependent of it: the caller completing it must unregister too (a
        // poll of an unknown or ended task stayed registered, and watched, for its whole wait).
        signal.whenComplete((ignored, error) -> leave(id, waiters));
        if (stopping) { // read after registering: a stop either sees this waiter or is seen here
            signal(id);
        }
        return signal;
    }

    /** Wakes every waiter of {@code id}: its state has changed to a terminal one. */
    public void signal(TaskId id) {
        var waiters = waiting.remove(id);
        if (waiters != null) {
            waiters.signal.complete(null);
        }
    }

    /** The tasks that long polls here wait on. */
    public Set<TaskId> waitedOn() {
        return Set.copyOf(waiting.keySet());
    }

    @Override
    public void start() {
        stopping = false;
        running = true;
    }

    /** Wakes every waiter: each answers with what the task is now. */
    @Override
    public void stop() {
        stopping = true;
        running = false;
        waiting.keySet().forEach(this::signal);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private void leave(TaskId id, Waiters left) {
        // After a signal the entry may already belong to a newer set of waiters: leave that one be.
        waiting.computeIfPresent(id, (key, current) -> current != left || --current.count > 0 ? current : null);
    }

    private static final class Waiters {
        final CompletableFuture<Void> signal = new CompletableFuture<>();
        int count;
    }
}
