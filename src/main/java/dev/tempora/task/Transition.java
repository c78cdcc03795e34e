package dev.tempora.task;

import java.util.Map;

/**
 * One guarded state change of one task, ready to apply: an update that takes effect only while
 * the task is in a state allowed to precede {@link #to()}. Built by {@link TaskTransitions}.
 */
public record Transition(TaskId id, TaskState to, String sql, Map<String, Object> params) {}
