package dev.tempora.task;

/** A request that the task's current state does not allow, such as cancelling a finished task. */
public class TaskConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Task task;

    public TaskConflictException(Task task, String message) {
        super(message);
        this.task = task;
    }

    public Task task() {
        return task;
    }
}
