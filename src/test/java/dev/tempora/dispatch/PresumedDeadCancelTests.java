package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.OtherNode;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskService;
import dev.tempora.task.TaskState;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An instance that paused past the node timeout wakes up presumed dead: another instance removed
 * its row and, alone in the node list from that heartbeat on, starts the tasks it holds ahead of
 * their claims. A cancel at the woken instance was decided at once, before its next heartbeat told
 * it that it had been removed: a 200 CANCELLED for a task whose handler the other may already have
 * called. It now waits for that heartbeat (it rejoins under a new id) and for the other's lease.
 * Found by review.
 */
@SpringBootTest(properties = {"tempora.cluster.heartbeat-interval=PT0.5S", "tempora.cluster.node-timeout=PT60S"})
class PresumedDeadCancelTests {

    @Autowired
    Node node;

    @Autowired
    TaskService tasks;

    @Autowired
    JdbcClient jdbc;

    @RegisterExtension
    final OtherNode other = new OtherNode();

    @Test
    void aCancelAtAnInstancePresumedDeadWaitsUntilItHasRejoined() {
        other.join();
        // A task the other instance holds: reserved for it, due soon.
        var id = UUID.randomUUID();
        jdbc.sql("insert into task (id, handler, priority, run_at, created_at, state, attempts, pool, owner)"
                        + " values (:id, 'echo', 0, :runAt, :runAt, 'SCHEDULED', 0, 'default', :owner)")
                .param("id", id)
                .param("runAt", OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(30))
                .param("owner", other.id())
                .update();

        // As after a pause past the node timeout: the other removed this instance's row, whose last
        // heartbeat was that old.
        var presumedDead = node.id();
        jdbc.sql("delete from tempora_node where id = :id")
                .param("id", presumedDead)
                .update();
        node.listed(System.nanoTime() - Duration.ofSeconds(61).toNanos(), Duration.ofSeconds(60));

        var cancelled = tasks.cancel(new TaskId(id), false);

        assertThat(cancelled.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(node.id()).as("decided only once rejoined").isNotEqualTo(presumedDead);
    }
}
