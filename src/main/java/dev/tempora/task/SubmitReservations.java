package dev.tempora.task;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Lets the dispatcher reserve a task as it is submitted: the task is stored already owned by the
 * node that will hold it in memory, so no loader (of this node or another) reads and reserves it
 * again, and its claim leaves the owner as it is.
 */
public interface SubmitReservations {

    /**
     * The node that takes a task due at {@code runAt} straight into memory, or empty to leave it to
     * the loaders.
     *
     * @param alreadyReserved how many tasks of the same submission it has reserved so far (they are
     *     not in memory yet)
     */
    Optional<String> reserveOnSubmit(Instant runAt, int alreadyReserved);

    /**
     * The tasks of a submission are about to be stored. From now on the node holds those
     * {@code reserved} for it, so that a cancel arriving as soon as they are visible finds them. The
     * others are any loader's as soon as they are committed, before the submission has told of them
     * ({@link TaskListener#changed}, SCHEDULED, once the commit is durable): one that this node's
     * loader reserves meanwhile must not start before it has been told {@link
     * TaskListener#submitted}, or its RUNNING would be told before its SCHEDULED.
     */
    default void storing(List<TaskId> reserved, List<TaskId> unreserved) {}

    /** Storing them failed: the node no longer holds them, and nothing of them will be told. */
    default void notStored(List<TaskId> reserved, List<TaskId> unreserved) {}

    /**
     * The connection was lost at the commit that stored them: they may be stored, reserved for this
     * node, or not at all, and nothing of them will be told. The node no longer holds them, and gives
     * any that exist back to the loaders.
     */
    default void mayBeStored(List<TaskId> reserved, List<TaskId> unreserved) {
        notStored(reserved, unreserved);
    }
}
