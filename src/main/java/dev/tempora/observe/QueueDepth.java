package dev.tempora.observe;

import dev.tempora.task.TaskService;
import dev.tempora.task.TaskState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
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
    private @Nullable Map<TaskState, Long> counts = Map.of();
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

    /**
     * The count of {@code state} as of the last count, or NaN ("unknown") if that failed. A failed
     * count is kept as long as one that worked: tried again at each gauge's read, with the database
     * away each waited for the pool's connection timeout, six states one after another, and a scrape
     * took 18 s, past Prometheus' 10 s timeout, losing every other series of the outage with it.
     */
    private synchronized double count(TaskState state) {
        long now = System.nanoTime();
        if (countedAt == Long.MIN_VALUE || now - countedAt > MAX_AGE.toNanos()) {
            countedAt = now;
            try {
                counts = tasks.countByState();
            } catch (RuntimeException trouble) { // a gauge must not throw
                log.warn("Could not count tasks by state: {}", trouble.toString());
                counts = null;
            }
        }
        return counts == null ? Double.NaN : counts.getOrDefault(state, 0L);
    }
}
