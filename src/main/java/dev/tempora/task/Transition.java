package dev.tempora.task;

import java.util.Map;

/**
 * One guarded state change of one task, ready to apply: an update that takes effect only while
 * the task is in a state allowed to precede {@link #to()}. Built by {@link TaskTransitions}.
 *
 * @param callback whether the task may have a callback to tell (true when not known), so that
 *     {@link TransitionHook}s need not look for one when it has none
 */
public record Transition(TaskId id, TaskState to, String sql, Map<String, Object> params, boolean callback) {

    /** This transition, knowing whether the task has a callback. */
    public Transition withCallback(boolean hasCallback) {
        return new Transition(id, to, sql, params, hasCallback);
    }
}
