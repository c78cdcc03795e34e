package dev.tempora.observe;

import dev.tempora.task.TaskService;
import dev.tempora.task.TaskState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * {@code tempora.queue.depth{state}}: how many tasks are in each state. Counting reads an index
 * entry of every task (on H2, of every task not in the largest state), so the counts are taken at
 * most once per {@link #MAX_AGE} however often or by how many scrapers they are read.
 */
@Component
class QueueDepth {

    private static final Logger log = LoggerFactory.getLogger(QueueDepth.class);
    static final Duration MAX_AGE = Duration.ofSeconds(5);

    private final TaskService tasks;
    private Map<TaskState, Long> counts = Map.of();
    private long countedAt = Long.MIN_VALUE;

    QueueDepth(TaskService tasks, MeterRegistry registry) {
        this.tasks = tasks;
        for (var state : TaskState.values()) {
            Gauge.builder("tempora.queue.depth", this, depth -> depth.count(state))
                    .description("Tasks in each state (counted at most every 5 s)")
                    .tag("state", state.name())
                    .baseUnit("tasks")
                    .register(registry);
        }
    }

    private synchronized double count(TaskState state) {
        long now = System.nanoTime();
        if (countedAt == Long.MIN_VALUE || now - countedAt > MAX_AGE.toNanos()) {
            try {
                counts = tasks.countByState();
                countedAt = now;
            } catch (RuntimeException trouble) { // a gauge must not throw; NaN says "unknown"
                log.warn("Could not count tasks by state: {}", trouble.toString());
                return Double.NaN;
            }
        }
        return counts.getOrDefault(state, 0L);
    }
}
