package dev.tempora.task;

import dev.tempora.support.Timestamps;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One guarded state change of one task, ready to apply: an update that takes effect only while
 * the task is in a state allowed to precede {@link #to()}. Built by {@link TaskTransitions}.
 *
 * <p>Its parameters are kept as given and made into the statement's map only when it is written
 * ({@link #params()}): a worker builds two transitions per task between starts, and the writer
 * that applies them runs later, on a thread of its own.
 */
public final class Transition {

    private final TaskId id;
    private final TaskState to;
    private final String sql;
    private final Object[] keysAndValues;
    private final boolean callback;

    Transition(TaskId id, TaskState to, String sql, Object[] keysAndValues, boolean callback) {
        this.id = id;
        this.to = to;
        this.sql = sql;
        this.keysAndValues = keysAndValues;
        this.callback = callback;
    }

    public TaskId id() {
        return id;
    }

    public TaskState to() {
        return to;
    }

    public String sql() {
        return sql;
    }

    /**
     * Whether the task may have a callback to tell (true when not known), so that {@link
     * TransitionHook}s need not look for one when it has none.
     */
    public boolean callback() {
        return callback;
    }

    /** This transition, knowing whether the task has a callback. */
    public Transition withCallback(boolean hasCallback) {
        return new Transition(id, to, sql, keysAndValues, hasCallback);
    }

    /** The statement's named parameters: {@code id}, and instants as UTC timestamps. */
    public Map<String, Object> params() {
        var params = HashMap.<String, Object>newHashMap(keysAndValues.length / 2 + 1);
        params.put("id", id.value());
        for (int i = 0; i < keysAndValues.length; i += 2) {
            var value = keysAndValues[i + 1];
            params.put((String) keysAndValues[i], value instanceof Instant instant ? Timestamps.utc(instant) : value);
        }
        return params;
    }

    /** The parameter {@code key} as given (an instant stays one), or {@code null}. */
    Object param(String key) {
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i].equals(key)) {
                return keysAndValues[i + 1];
            }
        }
        return null;
    }

    /** Its parameters and {@code key}: {@code value}, for a statement that has them all. */
    Object[] paramsWith(String key, Object value) {
        var all = Arrays.copyOf(keysAndValues, keysAndValues.length + 2);
        all[keysAndValues.length] = key;
        all[keysAndValues.length + 1] = value;
        return all;
    }

    @Override
    public String toString() {
        return "Transition[" + id + " to " + to + "]";
    }
}
