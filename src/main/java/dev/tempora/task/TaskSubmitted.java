package dev.tempora.task;

/**
 * Published after a submission has committed: the task is durable and may be dispatched.
 *
 * @param reservedBy the node it was reserved for as it was stored ({@link SubmitReservations}), or
 *     {@code null}
 */
public record TaskSubmitted(DueTask task, String reservedBy) {}
