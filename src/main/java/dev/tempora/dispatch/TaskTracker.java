package dev.tempora.dispatch;

import dev.tempora.task.TaskId;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The unfinished tasks this instance holds in memory (in the timer, in a pool's queue, or
 * running), so the loader never loads one twice and memory stays bounded.
 */
@Component
class TaskTracker {

    private final Set<TaskId> held = ConcurrentHashMap.newKeySet();
    private volatile Runnable onForgotten = () -> {};

    /** Whether {@code id} was not held yet (and now is). */
    boolean hold(TaskId id) {
        return held.add(id);
    }

    void forget(TaskId id) {
        if (held.remove(id)) {
            onForgotten.run();
        }
    }

    /** Forgets everything: after a stop, nothing is held in memory any more. */
    void clear() {
        held.clear();
    }

    int size() {
        return held.size();
    }

    /** Calls {@code action} (which must be quick) whenever a task is forgotten. */
    void whenForgotten(Runnable action) {
        this.onForgotten = action;
    }
}
