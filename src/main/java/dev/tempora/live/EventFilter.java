package dev.tempora.live;

import dev.tempora.task.LabelFilter;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskReads;
import java.util.Map;
import java.util.Set;

/**
 * Which task changes a stream wants: all of them, or only those of some tasks, of one handler,
 * or carrying every one of some labels ({@link LabelFilter}).
 */
record EventFilter(Set<TaskId> tasks, String handler, Set<Map.Entry<String, String>> labels) {

    static final EventFilter ALL = new EventFilter(Set.of(), null, Set.of());

    EventFilter {
        tasks = Set.copyOf(tasks);
        labels = Set.copyOf(labels);
    }

    /** Whether the change of {@code task}, whose tags are {@code tags} (null if unknown), is wanted. */
    boolean matches(TaskId task, TaskReads.Tags tags) {
        if (!tasks.isEmpty() && !tasks.contains(task)) {
            return false;
        }
        if (handler == null && labels.isEmpty()) {
            return true;
        }
        if (tags == null) {
            return false;
        }
        return (handler == null || handler.equals(tags.handler())) && LabelFilter.matches(labels, tags.labels());
    }
}
