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
     * The tasks of a submission reserved for this node are about to be stored: from now on the
     * node holds them, so that a cancel arriving as soon as they are visible finds them.
     */
    default void storing(List<TaskId> reserved) {}

    /** Storing them failed: the node no longer holds them. */
    default void notStored(List<TaskId> reserved) {}

    /**
     * The connection was lost at the commit that stored them: they may be stored, reserved for this
     * node, or not at all. The node no longer holds them, and gives any that exist back to the
     * loaders.
     */
    default void mayBeStored(List<TaskId> reserved) {
        notStored(reserved);
    }
}
