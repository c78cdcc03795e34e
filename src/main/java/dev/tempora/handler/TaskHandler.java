package dev.tempora.handler;

import tools.jackson.databind.JsonNode;

/**
 * A named piece of work that tasks run. Applications add handlers by declaring beans that
 * implement this interface; the bean's {@link #name()} is what clients put in {@code handler}.
 *
 * <p>Handlers run on a pool's worker thread. A handler that blocks should do so interruptibly: an
 * interrupt means the task timed out or was cancelled with {@code mayInterruptIfRunning=true}, and
 * whatever it returns afterwards is discarded.
 */
public interface TaskHandler {

    /** The name clients submit tasks with; unique among handlers. */
    String name();

    /** One line for {@code GET /api/v1/handlers}. */
    default String description() {
        return "";
    }

    /**
     * Checks {@code args} when a task is submitted, so bad arguments are refused with a 400 instead
     * of stored and failed later.
     *
     * @throws InvalidArgumentsException naming the offending field of {@code args}
     */
    default void validate(JsonNode args) throws InvalidArgumentsException {}

    /**
     * Runs the task.
     *
     * @return the task's result: anything Jackson can write as JSON, or {@code null}
     * @throws Exception the task FAILS with it
     */
    Object handle(TaskContext context) throws Exception;
}
