package dev.tempora.task;

import java.util.Map;
import java.util.Set;

/**
 * A filter for listing tasks, newest first.
 *
 * @param states any of these states (all when empty); SCHEDULED and QUEUED as clients see them
 * @param handler only this handler, or {@code null}
 * @param labels every one of these labels, as key-value pairs: two values of one key match nothing
 * @param before only tasks older than this id (the keyset cursor), or {@code null}
 * @param limit at most this many
 */
public record TaskQuery(
        Set<TaskState> states, String handler, Set<Map.Entry<String, String>> labels, TaskId before, int limit) {

    public TaskQuery {
        states = Set.copyOf(states);
        labels = Set.copyOf(labels);
    }
}
