package dev.tempora.dispatch;

import dev.tempora.task.TaskId;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** The configured worker pools by name; {@code default} always exists. */
@Component
public class WorkerPools {

    private static final Logger log = LoggerFactory.getLogger(WorkerPools.class);

    public static final String DEFAULT = "default";

    private final Map<String, WorkerPool> byName = new TreeMap<>();

    /** The pools no longer configured whose tasks were seen here (each warned of once). */
    private final Set<String> unconfiguredSeen = ConcurrentHashMap.newKeySet();

    WorkerPools(PoolProperties properties, Clock clock) {
        int defaultSize = Math.min(32, Runtime.getRuntime().availableProcessors() + 4);
        var sizes = new TreeMap<String, Integer>();
        sizes.put(DEFAULT, defaultSize);
        properties.pools().forEach((name, pool) -> sizes.put(name, pool.size() == null ? defaultSize : pool.size()));
        sizes.forEach((name, size) -> {
            try {
                byName.put(name, new WorkerPool(name, size, clock));
            } catch (IllegalArgumentException badSize) {
                throw new IllegalStateException("tempora.pools." + name + ".size: " + badSize.getMessage());
            }
        });
        log.info("Worker pools: {}", sizes);
    }

    public Optional<WorkerPool> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public boolean exists(String name) {
        return byName.containsKey(name);
    }

    /** The pool a task runs on: its own, or {@code default} if its pool is no longer configured. */
    WorkerPool forTask(String name) {
        var runsOn = runsOn(name);
        // Once per pool: a backlog of such tasks logged a line each.
        if (!runsOn.equals(name) && unconfiguredSeen.add(name)) {
            log.warn("Pool '{}' is not configured (any more); its tasks run on the default pool", name);
        }
        return byName.get(runsOn);
    }

    /** The name of the pool that runs the tasks of pool {@code name} ({@link #forTask}). */
    String runsOn(String name) {
        return byName.containsKey(name) ? name : DEFAULT;
    }

    /** Tasks waiting in every pool's queue. */
    int queued() {
        int queued = 0;
        for (var pool : byName.values()) {
            queued += pool.queued();
        }
        return queued;
    }

    /** Takes back the waiting run of task {@code id} from whichever pool holds it; whether one did. */
    boolean withdraw(TaskId id) {
        for (var pool : byName.values()) {
            if (pool.withdraw(id)) {
                return true;
            }
        }
        return false;
    }

    void restart() {
        byName.values().forEach(WorkerPool::restart);
    }

    public Collection<WorkerPool> all() {
        return byName.values();
    }
}
