package dev.tempora.task;

/**
 * Hears what happens to tasks on this instance, synchronously, on the thread that made it happen,
 * once it has committed. For the dispatcher, live views, metrics and logs: a listener must be quick,
 * and should not throw (what it throws is logged, and the others are still told).
 *
 * <p>Implemented by beans; {@link TaskEvents} finds them once the context has started. These were
 * Spring application events until a flight recording of the throughput benchmark on PostgreSQL
 * showed Spring resolving the generic type of each event for each listener method: 20 to 30% of
 * the JVM's CPU samples, for listeners whose own work took under 1%.
 */
public interface TaskListener {

    /** A submission has committed: the task is durable and may be dispatched. */
    default void submitted(TaskSubmitted submitted) {}

    /** A task's state changed: on submission (SCHEDULED) and at every transition that took effect. */
    default void changed(TaskChanged changed) {}

    /** A cancel has committed (also told as a change to CANCELLED). */
    default void cancelled(TaskCancelled cancelled) {}

    /** {@code count} ended tasks were deleted, as {@code tempora.tasks.keep-finished} asks. */
    default void deleted(int count) {}
}
