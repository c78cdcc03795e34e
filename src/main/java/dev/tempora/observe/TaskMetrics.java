package dev.tempora.observe;

import dev.tempora.dispatch.DispatchMetrics;
import dev.tempora.task.TaskChanged;
import dev.tempora.task.TaskListener;
import dev.tempora.task.TaskReads;
import dev.tempora.task.TaskState;
import dev.tempora.task.TaskSubmitted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Counts submissions ({@code tempora.tasks.submitted}) and cancels ({@code tempora.tasks.ended}
 * with outcome {@code cancelled}) by handler and pool, from the task events.
 */
@Component
class TaskMetrics implements TaskListener {

    private static final Logger log = LoggerFactory.getLogger(TaskMetrics.class);

    private final MeterRegistry registry;
    private final TaskReads reads;
    private final Map<List<String>, Counter> submitted = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> cancelled = new ConcurrentHashMap<>();

    TaskMetrics(MeterRegistry registry, TaskReads reads) {
        this.registry = registry;
        this.reads = reads;
    }

    @Override
    public void submitted(TaskSubmitted event) {
        var task = event.task();
        submitted
                .computeIfAbsent(
                        List.of(task.handler(), task.pool()),
                        key -> Counter.builder("tempora.tasks.submitted")
                                .description("Tasks submitted, by handler and pool")
                                .tags("handler", key.get(0), "pool", key.get(1))
                                .register(registry))
                .increment();
    }

    @Override
    public void changed(TaskChanged changed) {
        if (changed.state() != TaskState.CANCELLED) {
            return;
        }
        // A cancel names only the task; one key lookup finds its tags (cancels are rare, one at a time).
        try {
            var tags = reads.tags(List.of(changed.id())).get(changed.id());
            if (tags != null) {
                cancelled
                        .computeIfAbsent(
                                List.of(tags.handler(), tags.pool()),
                                key -> DispatchMetrics.endedCounter(registry, key.get(0), key.get(1), "cancelled"))
                        .increment();
            }
        } catch (RuntimeException trouble) { // listeners must not throw: the cancel has committed
            log.warn("Could not count the cancel of task {}: {}", changed.id(), trouble.toString());
        }
    }
}
