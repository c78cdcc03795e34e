package dev.tempora.task;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;

/**
 * What the dispatcher holds in memory for a task that has not started: just enough to order it
 * and run it.
 *
 * @param timeout the per-task timeout, or {@code null} for none
 * @param createdAt when it was submitted
 * @param hasCallback whether it has a {@code callbackUrl}, so its transitions may produce events
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
        boolean hasCallback) {

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
