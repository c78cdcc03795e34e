package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tempora.OtherNode;
import dev.tempora.task.NewTask;
import dev.tempora.task.NotReadyException;
import dev.tempora.task.TaskService;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A cancel through an instance that waits for the others' reports looks at the node list from the
 * request's thread. A look held up in the database (the table locked: a migration running on a
 * starting instance takes such a lock) held the cancel until the lock went, far past its own limit
 * (found by review); each look now gives up after a second, and the cancel is answered {@code 503
 * not-ready} at its limit.
 */
@Tag("postgres") // a table lock that holds up reads: PostgreSQL's ACCESS EXCLUSIVE
@SpringBootTest(properties = {"tempora.cluster.heartbeat-interval=PT0.5S", "tempora.cluster.node-timeout=PT4S"})
class SettleLookTimeoutTests {

    /** How long the table stays locked: far longer than the cancel may wait. */
    private static final Duration LOCKED = Duration.ofSeconds(30);

    @Autowired
    Node node;

    @Autowired
    TaskService tasks;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    DataSource dataSource;

    @RegisterExtension
    final OtherNode other = new OtherNode();

    @Test
    void aCancelWaitingForTheOthersIsAnsweredAtItsLimitThoughTheNodeListIsLocked() throws Exception {
        other.joinRunningAhead();
        // Presumed dead, and rejoined: it waits for the others' reports before it cancels.
        Rejoins.presumeDeadAndRejoin(node, jdbc);
        var task =
                tasks.submit(new NewTask("echo", "1", Duration.ofHours(1), null, 0, null, null, "default", Map.of()));

        try (var lock = dataSource.getConnection()) {
            lock.setAutoCommit(false);
            try (var statement = lock.createStatement()) {
                statement.execute("lock table tempora_node in access exclusive mode");
            }
            var release = CompletableFuture.runAsync(
                    () -> {
                        try {
                            lock.rollback();
                        } catch (java.sql.SQLException closed) {
                            // the test has ended
                        }
                    },
                    CompletableFuture.delayedExecutor(LOCKED.toMillis(), TimeUnit.MILLISECONDS));
            long began = System.nanoTime();
            assertThatThrownBy(() -> tasks.cancel(task.id(), false)).isInstanceOf(NotReadyException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - began))
                    .as("answered at its limit (a node timeout), not when the lock went")
                    .isLessThan(LOCKED.dividedBy(2));
            release.cancel(false);
            lock.rollback();
        }
        await().atMost(Duration.ofSeconds(10)).until(node::listedNow);
    }
}
