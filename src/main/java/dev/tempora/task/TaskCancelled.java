package dev.tempora.task;

/**
 * Published after a cancel has committed.
 *
 * @param interrupt whether the worker, if the task is running, is to be interrupted
 *     ({@code mayInterruptIfRunning})
 */
public record TaskCancelled(TaskId id, boolean interrupt) {}
