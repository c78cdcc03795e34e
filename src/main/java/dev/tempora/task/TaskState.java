package dev.tempora.task;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The lifecycle of a task, and the one table of its allowed transitions.
 *
 * <p>{@code QUEUED} is never stored: a stored {@code SCHEDULED} task whose {@code runAt} has come
 * <em>is</em> queued (due, waiting for a worker), so {@link #observedAt} derives it. This saves a
 * database write per task and can never disagree with the clock. Every stored transition is a
 * guarded update ({@code ... where state in (...)}), each of whose states {@code TaskTransitions}
 * checks against this table ({@link #canBecome}) as it builds it, so a task never starts twice and a
 * cancel racing a start has exactly one winner.
 */
public enum TaskState {
    SCHEDULED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    private static final Map<TaskState, Set<TaskState>> ALLOWED = Map.of(
            // start, or cancel before it started
            SCHEDULED, EnumSet.of(RUNNING, CANCELLED),
            // finish, cancel with interrupt, or release for another attempt (shutdown, recovery)
            RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELLED, SCHEDULED),
            SUCCEEDED, EnumSet.noneOf(TaskState.class),
            FAILED, EnumSet.noneOf(TaskState.class),
            CANCELLED, EnumSet.noneOf(TaskState.class));

    /** Whether this is SUCCEEDED, FAILED or CANCELLED, as {@code Future.isDone()}. */
    public boolean isDone() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** Whether a task may move from this stored state to {@code next}. */
    public boolean canBecome(TaskState next) {
        return ALLOWED.getOrDefault(stored(), Set.of()).contains(next);
    }

    /** The state as stored in the database: QUEUED is stored as SCHEDULED. */
    public TaskState stored() {
        return this == QUEUED ? SCHEDULED : this;
    }

    /** The state a client sees at {@code now}: a stored SCHEDULED task whose time has come is QUEUED. */
    public TaskState observedAt(Instant runAt, Instant now) {
        return this == SCHEDULED && !runAt.isAfter(now) ? QUEUED : this;
    }
}
