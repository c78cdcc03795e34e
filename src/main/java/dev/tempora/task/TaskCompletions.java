package dev.tempora.task;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * In-memory completion signals for long polls: a waiter parks on a future, not on a database
 * loop, and holds no thread while it waits. A signal says only "look again"; the database stays
 * the source of truth, so a missed or spurious signal costs at most one read.
 */
@Component
public class TaskCompletions {

    private final ConcurrentHashMap<TaskId, Waiters> waiting = new ConcurrentHashMap<>();

    /**
     * A future that completes (normally) when {@code id} is signalled or when {@code timeout} has
     * passed, whichever comes first. Register before reading the task, so that a completion between
     * the read and the wait is not missed.
     */
    public CompletableFuture<Void> whenSignalled(TaskId id, Duration timeout) {
        var waiters = waiting.compute(id, (key, existing) -> {
            var current = existing == null ? new Waiters() : existing;
            current.count++;
            return current;
        });
        return waiters.signal
                .copy()
                .completeOnTimeout(null, timeout.toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((ignored, error) -> leave(id, waiters));
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

    private void leave(TaskId id, Waiters left) {
        // After a signal the entry may already belong to a newer set of waiters: leave that one be.
        waiting.computeIfPresent(id, (key, current) -> current != left || --current.count > 0 ? current : null);
    }

    private static final class Waiters {
        final CompletableFuture<Void> signal = new CompletableFuture<>();
        int count;
    }
}
