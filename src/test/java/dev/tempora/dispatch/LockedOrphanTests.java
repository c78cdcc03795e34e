package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.OtherNode;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;

/**
 * A task of a dead instance, RUNNING in the database, whose row another session holds locked (a
 * paused instance caught in its outcome's transaction, until the server ends its session): the
 * survivors' recovery of the dead instance's tasks, on the heartbeat's thread, waited on that lock.
 * No heartbeat was renewed meanwhile, on any survivor, so each soon stopped claiming (not sure it
 * was still listed), and the dead instance's other tasks waited too. Review found it with three
 * instances: no task started for 17 s, for as long as the lock was held. Recovery now skips rows
 * locked by others, and takes them at a later heartbeat.
 */
@SpringBootTest(properties = {"tempora.cluster.heartbeat-interval=PT0.2S", "tempora.cluster.node-timeout=PT2S"})
@DirtiesContext
@Tag("postgres") // the lock of another instance's session
@ExtendWith(OutputCaptureExtension.class)
class LockedOrphanTests {

    @Autowired
    JdbcClient jdbc;

    @Autowired
    DataSource dataSource;

    @Autowired
    Node node;

    @Test
    void aLockedTaskOfADeadInstanceHoldsUpNeitherTheHeartbeatNorItsOtherTasks(CapturedOutput output) throws Exception {
        var dead = new OtherNode(jdbc);
        dead.join();
        var locked = runningOn(dead);
        var free = runningOn(dead);

        try (var session = dataSource.getConnection()) {
            session.setAutoCommit(false);
            try (var lock = session.prepareStatement("select id from task where id = ? for update")) {
                lock.setObject(1, locked);
                lock.executeQuery().close();
            }
            // The dead instance is removed after the node timeout (2 s), and its tasks recovered.
            await("the dead instance's unlocked task runs again")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> state(free).equals("SUCCEEDED"));
            var renewed = heartbeat();
            await("this instance's heartbeat is renewed")
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> heartbeat().after(renewed));
            assertThat(state(locked)).isEqualTo("RUNNING");
            assertThat(output.getOut()).contains("1 tasks they were running will run again (attempts tells): " + free);
            session.rollback();
        }

        await("the locked task runs again once its lock is gone")
                .atMost(Duration.ofSeconds(10))
                .until(() -> state(locked).equals("SUCCEEDED"));
    }

    /** An {@code echo} task RUNNING on {@code owner}, as its instance's claim left it. */
    private UUID runningOn(OtherNode owner) {
        var id = UUID.randomUUID();
        jdbc.sql("insert into task (id, handler, priority, run_at, created_at, started_at, state, attempts, pool,"
                        + " owner) values (:id, 'echo', 0, current_timestamp, current_timestamp, current_timestamp,"
                        + " 'RUNNING', 1, 'default', :owner)")
                .param("id", id)
                .param("owner", owner.id())
                .update();
        return id;
    }

    private String state(UUID id) {
        return jdbc.sql("select state from task where id = :id")
                .param("id", id)
                .query(String.class)
                .single();
    }

    private Timestamp heartbeat() {
        return jdbc.sql("select heartbeat_at from tempora_node where id = :id")
                .param("id", node.id())
                .query(Timestamp.class)
                .single();
    }
}
