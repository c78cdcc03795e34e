package dev.tempora.task;

/** Published after a submission has committed: the task is durable and may be dispatched. */
public record TaskSubmitted(DueTask task) {}
