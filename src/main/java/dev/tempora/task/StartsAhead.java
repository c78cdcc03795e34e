package dev.tempora.task;

import java.time.Instant;
import java.util.Optional;

/**
 * The tasks a worker of this instance runs ahead of their claims: an instance alone in the node
 * list calls a handler before the claim (SCHEDULED to RUNNING) commits, and writes the claim a
 * moment later, or the outcome with it. Until then the database still holds such a task SCHEDULED;
 * reads of one task ({@link TaskService#find}, {@link TaskReads#version}) see it RUNNING, as the
 * claim will store it.
 */
public interface StartsAhead {

    /** Without a dispatcher, nothing runs here. */
    StartsAhead NONE = id -> Optional.empty();

    /** When a worker here started {@code id}, if its claim has not committed yet; empty otherwise. */
    Optional<Instant> startedAhead(TaskId id);
}
