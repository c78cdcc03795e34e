package dev.tempora.task;

import dev.tempora.support.CommitOutcomeUnknownException;
import java.util.List;

/**
 * The connection to the database was lost while a submission committed: its tasks may be stored
 * (and then run as usual) or not. The client should read the tasks it names before it submits
 * again: a 404 means they were not stored.
 */
public class SubmitOutcomeUnknownException extends RuntimeException {

    private final List<TaskId> taskIds;

    SubmitOutcomeUnknownException(List<TaskId> taskIds, CommitOutcomeUnknownException cause) {
        super(
                (taskIds.size() == 1 ? "The task" : "The " + taskIds.size() + " tasks")
                        + " may or may not have been stored: the connection to the database was lost while"
                        + " committing. Read them before submitting again (404: not stored).",
                cause);
        this.taskIds = List.copyOf(taskIds);
    }

    public List<TaskId> taskIds() {
        return taskIds;
    }
}
