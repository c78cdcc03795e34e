package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.TestHandlers;
import dev.tempora.task.NewTask;
import dev.tempora.task.TaskService;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An instance found out of the node list renews its id, then writes the new id's row. When that
 * write failed (the database erred), it ran on under an id in no row: it claimed and started tasks
 * that any instance's recovery then freed as a dead node's while their runs went on, to run again.
 * Now an instance that may be out of the list neither reserves nor claims until it is back in it.
 * Found by review.
 */
@SpringBootTest(properties = {"tempora.cluster.heartbeat-interval=PT0.5S", "tempora.cluster.node-timeout=PT60S"})
@Import(TestHandlers.class)
class RejoinRegistrationFailsTests {

    @Autowired
    Node node;

    @Autowired
    TaskService tasks;

    @Autowired
    JdbcClient jdbc;

    @Test
    void aTaskDueWhileARejoinFailsStartsOnlyOnceTheInstanceIsBackInTheNodeList() throws Exception {
        TestHandlers.reset();
        var presumedDead = node.id();
        // The next insert into the node list fails; heartbeats (an update of heartbeat_at) still work.
        jdbc.sql("alter table tempora_node rename column process_space to process_space_away")
                .update();
        UUID id;
        try {
            jdbc.sql("delete from tempora_node where id = :id")
                    .param("id", presumedDead)
                    .update();
            await().atMost(Duration.ofSeconds(10)).until(() -> !node.listedNow());
            id = tasks.submit(new NewTask(
                            "block",
                            "{\"gate\": \"regfail\"}",
                            null,
                            null,
                            0,
                            null,
                            null,
                            "default",
                            Map.of(),
                            Set.of()))
                    .getId();
            // Three heartbeats fail to rejoin meanwhile.
            Thread.sleep(1_500);
            assertThat(row(id).get("state"))
                    .as("not started while out of the node list")
                    .isEqualTo("SCHEDULED");
            assertThat(TestHandlers.started()).doesNotContain(id.toString());
        } finally {
            jdbc.sql("alter table tempora_node rename column process_space_away to process_space")
                    .update();
        }
        await().atMost(Duration.ofSeconds(10)).until(node::listedNow);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "RUNNING".equals(row(id).get("state"))
                        && TestHandlers.started().contains(id.toString()));
        var claimedBy = (String) row(id).get("owner");
        assertThat(claimedBy).isEqualTo(node.id());
        // Claimed under a listed id: no recovery frees it while it runs (a full check every 15 beats).
        long deadline = System.nanoTime() + Duration.ofSeconds(9).toNanos();
        String seen = "RUNNING";
        while (System.nanoTime() < deadline && seen.equals("RUNNING")) {
            seen = (String) row(id).get("state");
            sleep();
        }
        TestHandlers.open("regfail");
        assertThat(seen).as("state while its run goes on").isEqualTo("RUNNING");
        await().atMost(Duration.ofSeconds(10)).until(() -> "SUCCEEDED".equals(row(id).get("state")));
        assertThat(TestHandlers.started()).containsOnlyOnce(id.toString());
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private Map<String, Object> row(UUID id) {
        return jdbc.sql("select state, owner from task where id = :id")
                .param("id", id)
                .query()
                .singleRow();
    }
}
