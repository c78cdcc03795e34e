package dev.tempora.dispatch;

import dev.tempora.support.RepeatingJob;
import dev.tempora.task.TaskCompletions;
import dev.tempora.task.TaskId;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What happens elsewhere, seen here within {@code tempora.cluster.watch-interval}: a task running
 * here that was cancelled (with interrupt) through another instance is interrupted; a long poll
 * here on a task that ended on another instance is woken. One indexed query each, and only while
 * something runs or waits here; the same instance's own changes are signalled in memory at once.
 */
@Component
class ClusterWatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ClusterWatcher.class);
    private static final int MAX_IDS = 1000;

    private final JdbcClient jdbc;
    private final TaskRunner runner;
    private final TaskCompletions completions;
    private final ClusterProperties properties;
    private final RepeatingJob watcher = new RepeatingJob("tempora-watcher");

    ClusterWatcher(JdbcClient jdbc, TaskRunner runner, TaskCompletions completions, ClusterProperties properties) {
        this.jdbc = jdbc;
        this.runner = runner;
        this.completions = completions;
        this.properties = properties;
    }

    @Override
    public void start() {
        watcher.start(properties.watchInterval(), this::watch);
    }

    @Override
    public void stop() {
        watcher.stop();
    }

    @Override
    public boolean isRunning() {
        return watcher.isRunning();
    }

    private void watch() {
        try {
            interruptCancelledElsewhere();
            wakeWaitersOfTasksEndedElsewhere();
        } catch (RuntimeException databaseTrouble) {
            log.debug("Watching for changes elsewhere failed: {}", databaseTrouble.toString());
        }
    }

    private void interruptCancelledElsewhere() {
        var running = runner.runningIds();
        if (running.isEmpty()) {
            return;
        }
        jdbc.sql("select id from task where id in (:ids) and state = 'CANCELLED'")
                .param("ids", uuids(running))
                .query(UUID.class)
                .list()
                .forEach(id -> runner.interruptCancelled(new TaskId(id)));
    }

    private void wakeWaitersOfTasksEndedElsewhere() {
        Set<TaskId> waited = completions.waitedOn();
        if (waited.isEmpty()) {
            return;
        }
        jdbc.sql("select id from task where id in (:ids) and state in ('SUCCEEDED', 'FAILED', 'CANCELLED')")
                .param("ids", uuids(waited))
                .query(UUID.class)
                .list()
                .forEach(id -> completions.signal(new TaskId(id)));
    }

    private static List<UUID> uuids(java.util.Collection<TaskId> ids) {
        return ids.stream().limit(MAX_IDS).map(TaskId::value).toList();
    }
}
