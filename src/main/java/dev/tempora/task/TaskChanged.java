package dev.tempora.task;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A task's state change, committed on this instance: on submission (state SCHEDULED) and at every
 * transition that took effect. Told to each {@link TaskListener}.
 *
 * @param handler the task's handler, when the publisher knows it (else {@code null})
 * @param at when it took effect, to the microsecond, as the database stores the task's own times
 *     (the clock's nanoseconds made the event stream's {@code at} finer than any of them)
 */
public record TaskChanged(TaskId id, TaskState state, String handler, Instant at) {

    public TaskChanged {
        at = at == null ? null : at.truncatedTo(ChronoUnit.MICROS);
    }
}
