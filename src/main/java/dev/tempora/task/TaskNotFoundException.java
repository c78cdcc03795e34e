package dev.tempora.task;

/** No task has the requested id. */
public class TaskNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TaskNotFoundException(String id) {
        super("No task has id " + id);
    }
}
