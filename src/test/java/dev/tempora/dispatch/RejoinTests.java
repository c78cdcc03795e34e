package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.task.NewTask;
import dev.tempora.task.Task;
import dev.tempora.task.TaskService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An instance presumed dead (its row removed from the node list, as another instance does when its
 * heartbeats stop coming) rejoins under a new id at its next heartbeat. Submissions go on
 * meanwhile, each reserving its tasks under the id of its moment: those that cross a rejoin
 * (reserved under the old id, handed to the dispatcher after the new one) must still run. Before
 * 94647fe they stayed SCHEDULED for as long as the instance lived.
 */
@SpringBootTest(
        properties = {
            "tempora.cluster.heartbeat-interval=PT0.03S",
            // Only this test presumes anyone dead.
            "tempora.cluster.node-timeout=PT60S"
        })
class RejoinTests {

    private static final int BATCHES = 60;
    private static final int BATCH = 100;

    @Autowired
    Node node;

    @Autowired
    TaskService tasks;

    @Autowired
    JdbcClient jdbc;

    @Test
    void tasksSubmittedWhileThisInstanceIsPresumedDeadAndRejoinsAllRun() throws Exception {
        var ids = new ArrayList<UUID>();
        var nodeIds = new java.util.concurrent.ConcurrentSkipListSet<String>();
        var submitting = new AtomicBoolean(true);
        var presumer = Thread.ofPlatform().start(() -> {
            while (submitting.get()) {
                var current = node.id();
                nodeIds.add(current);
                jdbc.sql("delete from tempora_node where id = :id")
                        .param("id", current)
                        .update();
                // Rejoined at the next heartbeat, a few tens of milliseconds from now.
                await().atMost(Duration.ofSeconds(10)).until(() -> !node.id().equals(current));
                sleep(20);
            }
        });
        try {
            for (int b = 0; b < BATCHES; b++) {
                var batch = new ArrayList<NewTask>();
                for (int i = 0; i < BATCH; i++) {
                    batch.add(new NewTask("echo", null, null, null, 0, null, null, "default", Map.of(), Set.of()));
                }
                tasks.submitAll(batch).stream().map(Task::getId).forEach(ids::add);
            }
        } finally {
            submitting.set(false);
            presumer.join();
        }

        assertThat(nodeIds)
                .as("the instance was presumed dead and rejoined while tasks came")
                .hasSizeGreaterThan(5);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(unfinished(ids))
                        .as("tasks not yet SUCCEEDED, by state and owner (this node: %s)", node.id())
                        .isEmpty());
    }

    private Map<String, Long> unfinished(List<UUID> ids) {
        var states = new java.util.TreeMap<String, Long>();
        for (int from = 0; from < ids.size(); from += 500) {
            jdbc.sql("select state || ' ' || coalesce(owner, '-') || case when owner in (select id from tempora_node)"
                            + " then ' (listed)' else '' end, count(*) from task where id in (:ids)"
                            + " and state <> 'SUCCEEDED' group by state, owner")
                    .param("ids", ids.subList(from, Math.min(ids.size(), from + 500)))
                    .query((row, n) -> Map.entry(row.getString(1), row.getLong(2)))
                    .list()
                    .forEach(entry -> states.merge(entry.getKey(), entry.getValue(), Long::sum));
        }
        return states;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
