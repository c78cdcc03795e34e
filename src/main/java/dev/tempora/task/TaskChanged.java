package dev.tempora.task;

import java.time.Instant;

/**
 * Published (synchronously, on the thread that made the change) after a task's state change has
 * been committed on this instance: on submission (state SCHEDULED) and on every transition that
 * took effect. For live views, metrics and caches; listeners must be quick and must not throw.
 *
 * @param handler the task's handler, when the publisher knows it (else {@code null})
 */
public record TaskChanged(TaskId id, TaskState state, String handler, Instant at) {}
