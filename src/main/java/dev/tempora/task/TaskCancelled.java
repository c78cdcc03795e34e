package dev.tempora.task;

/**
 * A cancel that has committed. Told to each {@link TaskListener}.
 *
 * @param interrupt whether the worker, if the task is running, is to be interrupted
 *     ({@code mayInterruptIfRunning})
 */
public record TaskCancelled(TaskId id, boolean interrupt) {}
