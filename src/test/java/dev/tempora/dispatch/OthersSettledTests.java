package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.OtherNode;
import dev.tempora.task.NewTask;
import dev.tempora.task.Task;
import dev.tempora.task.TaskService;
import dev.tempora.task.TaskState;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

    @RegisterExtension
    final OtherNode other = new OtherNode();

    @Test
    void anInstanceOfAnEarlierVersionIsWaitedOutByItsLease() {
        other.join(); // writes no count of reports, as earlier versions did not
        long removed = Rejoins.presumeDeadAndRejoin(node, jdbc);

        var cancelled = tasks.cancel(later().id(), false);

        assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
        // It rejoined after its row was removed, and waited a lease from then.
        assertThat(Duration.ofNanos(System.nanoTime() - removed)).isGreaterThanOrEqualTo(LEASE);
    }

    @Test
    void anInstanceThatNeverReportsSettledIsWaitedForUntilItIsGone() throws Exception {
        other.joinRunningAhead();
        Rejoins.presumeDeadAndRejoin(node, jdbc);
        var task = later();

        var cancel = CompletableFuture.supplyAsync(() -> tasks.cancel(task.id(), false));
        Thread.sleep(LEASE.multipliedBy(2).toMillis());
        assertThat(cancel).as("waits for its report").isNotDone();
        other.leave(); // or removed as dead

        assertThat(cancel.get(10, TimeUnit.SECONDS).state()).isEqualTo(TaskState.CANCELLED);
    }

    private Task later() {
        return tasks.submit(new NewTask("echo", "1", Duration.ofHours(1), null, 0, null, null, "default", Map.of()));
    }
}
