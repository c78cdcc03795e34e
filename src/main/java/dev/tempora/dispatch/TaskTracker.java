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
    private volatile Runnable onDrained = () -> {};
    private volatile int lowWater = Integer.MIN_VALUE;

    /** Whether {@code id} was not held yet (and now is). */
    boolean hold(TaskId id) {
        return held.add(id);
    }

    void forget(TaskId id) {
        if (held.remove(id) && held.size() == lowWater) {
            onDrained.run();
        }
    }

    /** Forgets everything: after a stop, nothing is held in memory any more. */
    void clear() {
        held.clear();
    }

    int size() {
        return held.size();
    }

    /** Calls {@code action} whenever forgetting a task brings the count down to {@code lowWater}. */
    void whenDrainedTo(int lowWater, Runnable action) {
        this.onDrained = action;
        this.lowWater = lowWater;
    }
}
