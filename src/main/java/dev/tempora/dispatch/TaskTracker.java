package dev.tempora.dispatch;

import dev.tempora.task.TaskId;
import java.util.ArrayList;
import java.util.List;
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
    private final Set<TaskId> dropped = ConcurrentHashMap.newKeySet();
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

    /**
     * Forgets a task that could not be dispatched (its claim failed: the database was away, or the
     * answer to its commit was lost). It is still this node's in the database (reserved, or RUNNING
     * if the claim did commit), where no loader would take it again; the loader gives such tasks
     * back ({@link #takeDropped}) at its next pass.
     */
    void drop(TaskId id) {
        dropped.add(id);
        forget(id);
    }

    /** The tasks dropped since the last call, to give back; {@link #drop} them again if that fails. */
    List<TaskId> takeDropped() {
        var taken = new ArrayList<TaskId>();
        for (var id : dropped) {
            if (dropped.remove(id)) {
                taken.add(id);
            }
        }
        return taken;
    }

    /** Forgets everything: after a stop, nothing is held in memory any more. */
    void clear() {
        held.clear();
        dropped.clear();
    }

    int size() {
        return held.size();
    }

    /** Calls {@code action} (which must be quick) whenever a task is forgotten. */
    void whenForgotten(Runnable action) {
        this.onForgotten = action;
    }
}
