package dev.tempora.task;

/**
 * A submission that has committed: the task is durable and may be dispatched. Told to each
 * {@link TaskListener}.
 *
 * @param reservedBy the node it was reserved for as it was stored ({@link SubmitReservations}), or
 *     {@code null}
 */
public record TaskSubmitted(DueTask task, String reservedBy) {}
