package dev.tempora.task;

import java.util.List;

/**
 * A change was committed, and takes effect here, but the database could not confirm it is on disk
 * (on H2, the checkpoint after the commit failed): it may be lost if this instance stops before
 * the database recovers. The client should not make it again; the tasks it names are there to poll.
 */
public class NotDurableException extends RuntimeException {

    private final List<TaskId> taskIds;

    NotDurableException(String change, List<TaskId> taskIds, RuntimeException checkpointFailure) {
        super(
                change + " was stored and takes effect, but the database could not confirm it is on disk ("
                        + checkpointFailure.getMessage()
                        + "); it may be lost if this instance stops before the database"
                        + " recovers. Do not repeat it: poll the task instead.",
                checkpointFailure);
        this.taskIds = List.copyOf(taskIds);
    }

    public List<TaskId> taskIds() {
        return taskIds;
    }
}
