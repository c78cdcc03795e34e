package dev.tempora.task;

/**
 * A cancel was committed, but the task could not be read back for the answer (the database went
 * out of reach in between): unlike {@code database-unavailable}, something changed. Asked again, the
 * cancel is answered {@code 200} with the task.
 */
public class CancelMadeUnreadException extends RuntimeException {

    private final TaskId taskId;

    CancelMadeUnreadException(TaskId taskId, RuntimeException readFailure) {
        super(
                "The cancel was made, but the database could not be reached to read the task back ("
                        + readFailure.getMessage()
                        + "). Read it, or cancel it again: a cancelled task's cancel is answered 200.",
                readFailure);
        this.taskId = taskId;
    }

    public TaskId taskId() {
        return taskId;
    }
}
