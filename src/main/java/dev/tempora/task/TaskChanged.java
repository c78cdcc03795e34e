package dev.tempora.task;

import java.time.Instant;

/**
 * A task's state change, committed on this instance: on submission (state SCHEDULED) and at every
 * transition that took effect. Told to each {@link TaskListener}.
 *
 * @param handler the task's handler, when the publisher knows it (else {@code null})
 */
public record TaskChanged(TaskId id, TaskState state, String handler, Instant at) {}
