package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.TestHandlers;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An instance presumed dead (its row removed from the node list, as another instance does when its
 * heartbeats stop coming) rejoins under a new id at its next heartbeat. A submission reserves its
 * tasks under the id of its moment, a claim and an outcome are written under the id of theirs, and
 * this instance's loader takes the reservations of its old id as nobody's. Every task must still
 * run. A task whose claim or outcome found it reserved anew under the new id, by this instance's
 * own loader while the first run still held it, used to be forgotten, and stayed SCHEDULED for as
 * long as the instance lived: the second test shows it deterministically; the first, rejoins every
 * few tens of milliseconds under a stream of submissions, stranded tasks in some runs only.
 */
@SpringBootTest(
        properties = {
            // Every 15th heartbeat looks for tasks RUNNING for nodes that are gone.
            "tempora.cluster.heartbeat-interval=PT0.03S",
            // Only this test presumes anyone dead.
            "tempora.cluster.node-timeout=PT60S"
        })
@Import(TestHandlers.class)
class RejoinTests {

    private static final int BATCHES = 60;
    private static final int BATCH = 100;
    private static final int REJOINS = 10;

    @Autowired
    Node node;

    @Autowired
    TaskService tasks;

    @Autowired
    JdbcClient jdbc;

    @Test
    void tasksHeldOrSubmittedWhileThisInstanceIsPresumedDeadAndRejoinsAllRun() throws Exception {
        var ids = new ArrayList<UUID>();
        var rejoins = new AtomicInteger();
        var submitting = new AtomicBoolean(true);
        var presumerFailed = new AtomicReference<Throwable>();
        var presumer = Thread.ofPlatform().start(() -> {
            try {
                while (submitting.get()) {
                    presumeDeadAndAwaitRejoin();
                    rejoins.incrementAndGet();
                    Thread.sleep(20);
                }
            } catch (Throwable failed) {
                presumerFailed.set(failed);
            }
        });
        try {
            // At least BATCHES batches, and on until the instance has rejoined REJOINS times.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (int b = 0; b < BATCHES || (rejoins.get() < REJOINS && System.nanoTime() < deadline); b++) {
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

        assertThat(presumerFailed.get())
                .as("removing the node's row, then seeing it rejoin")
                .isNull();
        assertThat(rejoins.get()).as("rejoins while tasks came").isGreaterThanOrEqualTo(REJOINS);
        // No rejoin from here on: a task stranded by the last is reserved for the live node.
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(unfinished(ids))
                        .as("tasks not yet SUCCEEDED, by state and owner (this node: %s)", node.id())
                        .isEmpty());
    }

    @Test
    void aTaskRunningWhenItsInstanceIsPresumedDeadIsTakenUpAgainOnceThatRunEnds() {
        var id = tasks.submit(new NewTask(
                        "block", "{\"gate\": \"rejoin\"}", null, null, 0, null, null, "default", Map.of(), Set.of()))
                .getId();
        await().atMost(Duration.ofSeconds(10)).until(() -> row(id).get("state").equals("RUNNING"));
        presumeDeadAndAwaitRejoin();
        // This instance's own recovery finds the task RUNNING for a node that is gone and frees it; its
        // loader reserves it under the new id, but cannot hold it: the first run still does.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var row = row(id);
            return row.get("state").equals("SCHEDULED") && node.id().equals(row.get("owner"));
        });
        TestHandlers.open("rejoin");
        // The first run's outcome is refused (the task is not RUNNING for its owner any more); the task
        // was then forgotten, reserved for this live node and held by nobody, for good.
        await().atMost(Duration.ofSeconds(20)).until(() -> row(id).get("state").equals("SUCCEEDED"));
    }

    private Map<String, Object> row(UUID id) {
        return jdbc.sql("select state, owner from task where id = :id")
                .param("id", id)
                .query()
                .singleRow();
    }

    /** As another instance does when this one's heartbeats stop coming: removes its row. */
    private void presumeDeadAndAwaitRejoin() {
        var gone = new AtomicReference<String>();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    gone.set(node.id());
                    // None while its row is being written, as it rejoins from an earlier removal.
                    return jdbc.sql("delete from tempora_node where id = :id")
                                    .param("id", gone.get())
                                    .update()
                            > 0;
                });
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> !node.id().equals(gone.get()));
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
}
