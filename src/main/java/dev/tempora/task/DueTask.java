package dev.tempora.task;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Set;

/**
 * What the dispatcher holds in memory for a task that has not started: just enough to order it
 * and run it.
 *
 * @param timeout the per-task timeout, or {@code null} for none
 * @param createdAt when it was submitted
 * @param callbackEvents what its {@code callbackUrl} hears of; empty when it has none
 */
public record DueTask(
        TaskId id,
        String handler,
        String argsJson,
        int priority,
        Instant runAt,
        Duration timeout,
        String pool,
        Instant createdAt,
        Set<TaskEvent> callbackEvents) {

    public DueTask {
        callbackEvents = Set.copyOf(callbackEvents);
    }

    /** Whether it has a {@code callbackUrl}. */
    public boolean hasCallback() {
        return !callbackEvents.isEmpty();
    }

    /**
     * Whether arriving in {@code state} is an event its callback hears of: only then does the
     * transition's transaction need the webhook outbox (which reads the task).
     */
    public boolean tells(TaskState state) {
        return TaskEvent.of(state).filter(callbackEvents::contains).isPresent();
    }

    /** The sched rule: earliest {@code runAt}, then lowest priority, then submission order. */
    public static final Comparator<DueTask> SCHED_ORDER = Comparator.comparing(DueTask::runAt)
            .thenComparingInt(DueTask::priority)
            .thenComparing(DueTask::id);

    /**
     * From when a start counts as late: the runAt, or the submission when runAt was already past
     * then, since a runAt in the past is the client's choice and not the dispatcher's delay.
     */
    public Instant dueSince() {
        return runAt.isAfter(createdAt) ? runAt : createdAt;
    }

    /** The backlog rule: among due tasks, lowest priority first, then earliest runAt, then submission. */
    public static final Comparator<DueTask> BACKLOG_ORDER = Comparator.comparingInt(DueTask::priority)
            .thenComparing(DueTask::runAt)
            .thenComparing(DueTask::id);
}
