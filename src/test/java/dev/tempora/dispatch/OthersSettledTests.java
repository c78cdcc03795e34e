package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.OtherNode;
import dev.tempora.task.NewTask;
import dev.tempora.task.Task;
import dev.tempora.task.TaskService;
import dev.tempora.task.TaskState;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What an instance that (re)joins the node list waits for before it decides a cancel, for others
 * that cannot report: an instance of an earlier version (its lease, two heartbeats), and one that
 * reports it runs tasks ahead and then leaves the list (until it is gone). The instance under test
 * rejoins here after its row was removed, as after being presumed dead.
 */
@SpringBootTest(properties = {"tempora.cluster.heartbeat-interval=PT0.5S", "tempora.cluster.node-timeout=PT20S"})
class OthersSettledTests {

    /** Two heartbeats. */
    private static final Duration LEASE = Duration.ofSeconds(1);

    @Autowired
    Node node;

    @Autowired
    TaskService tasks;

    @Autowired
    JdbcClient jdbc;

    private OtherNode other;

    @AfterEach
    void otherLeaves() {
        if (other != null) {
            other.leave();
        }
        jdbc.sql("delete from tempora_node where id = 'stuck-ahead'").update();
    }

    @Test
    void anInstanceOfAnEarlierVersionIsWaitedOutByItsLease() {
        other = new OtherNode(jdbc); // writes no count of reports, as earlier versions did not
        other.join();
        long removed = rejoin();

        var cancelled = tasks.cancel(later().id(), false);

        assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
        // It rejoined after its row was removed, and waited a lease from then.
        assertThat(Duration.ofNanos(System.nanoTime() - removed)).isGreaterThanOrEqualTo(LEASE);
    }

    @Test
    void anInstanceThatNeverReportsSettledIsWaitedForUntilItIsGone() throws Exception {
        jdbc.sql("insert into tempora_node (id, host, pid, started_at, heartbeat_at, beats, starts_ahead)"
                        + " values ('stuck-ahead', 'elsewhere', 1, current_timestamp, current_timestamp, 5, true)")
                .update();
        rejoin();
        var task = later();

        var cancel = CompletableFuture.supplyAsync(() -> tasks.cancel(task.id(), false));
        Thread.sleep(LEASE.multipliedBy(2).toMillis());
        assertThat(cancel).as("waits for its report").isNotDone();
        jdbc.sql("delete from tempora_node where id = 'stuck-ahead'").update(); // left, or removed as dead

        assertThat(cancel.get(10, TimeUnit.SECONDS).state()).isEqualTo(TaskState.CANCELLED);
    }

    /**
     * Removes this instance's row, and waits until a heartbeat has rejoined it under a new id;
     * returns when ({@link System#nanoTime}) the row was about to be removed.
     */
    private long rejoin() {
        await().atMost(Duration.ofSeconds(10)).until(node::listedNow);
        var presumedDead = node.id();
        long removed = System.nanoTime();
        jdbc.sql("delete from tempora_node where id = :id")
                .param("id", presumedDead)
                .update();
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.id().equals(presumedDead) && node.listedNow());
        return removed;
    }

    private Task later() {
        return tasks.submit(new NewTask("echo", "1", Duration.ofHours(1), null, 0, null, null, "default", Map.of()));
    }
}
