package dev.tempora.dispatch;

import dev.tempora.support.RepeatingJob;
import dev.tempora.task.TaskCompletions;
import dev.tempora.task.TaskId;
import java.util.Collection;
import java.util.UUID;
import java.util.function.Consumer;
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

    /**
     * Stops after the dispatcher, which waits out the shutdown grace for the tasks running here: a
     * cancel with interrupt made through another instance meanwhile still reaches them.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 50;
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
        forEachIn(runner.runningIds(), "'CANCELLED'", runner::interruptCancelled);
    }

    private void wakeWaitersOfTasksEndedElsewhere() {
        forEachIn(completions.waitedOn(), "'SUCCEEDED', 'FAILED', 'CANCELLED'", completions::signal);
    }

    /** Does {@code action} for each of {@code ids} in one of {@code states}: one query per {@value #MAX_IDS} ids. */
    private void forEachIn(Collection<TaskId> ids, String states, Consumer<TaskId> action) {
        var all = ids.stream().map(TaskId::value).toList();
        for (int from = 0; from < all.size(); from += MAX_IDS) {
            jdbc.sql("select id from task where id in (:ids) and state in (" + states + ")")
                    .param("ids", all.subList(from, Math.min(all.size(), from + MAX_IDS)))
                    .query(UUID.class)
                    .list()
                    .forEach(id -> action.accept(new TaskId(id)));
        }
    }
}
