package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempora.OtherNode;
import dev.tempora.task.NewTask;
import dev.tempora.task.NotReadyException;
import dev.tempora.task.TaskService;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.api.Trigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An instance presumed dead rejoins under a new id, and then, as any joiner, decides no cancel until
 * the others have reported that they run no task ahead of its claim. It read who the others were as
 * it rejoined; when that read failed (after its row was written), it kept the check of its
 * incarnation before, settled long ago, and decided cancels at once. Found by review. Here the
 * other never reports so ({@link OtherNode#joinRunningAhead}), and reads of the node list fail for
 * a moment after each registration (H2 triggers).
 */
@Tag("h2-only") // the fault is injected with H2 triggers
@SpringBootTest(properties = {"tempora.cluster.heartbeat-interval=PT0.5S", "tempora.cluster.node-timeout=PT3S"})
class RejoinSettleTests {

    /** Until this {@link System#nanoTime}, reads of the node list fail. */
    private static final AtomicLong READS_FAIL_UNTIL = new AtomicLong(System.nanoTime());

    /** After a row is written to the node list, its reads fail for a moment. */
    public static class FailReadsAfterInsert implements Trigger {
        @Override
        public void fire(Connection connection, Object[] oldRow, Object[] newRow) {
            READS_FAIL_UNTIL.set(System.nanoTime() + Duration.ofMillis(300).toNanos());
        }
    }

    public static class FailRead implements Trigger {
        @Override
        public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
            if (System.nanoTime() - READS_FAIL_UNTIL.get() < 0) {
                throw new SQLException("injected: the node list cannot be read now");
            }
        }
    }

    @Autowired
    Node node;

    @Autowired
    TaskService tasks;

    @Autowired
    JdbcClient jdbc;

    @RegisterExtension
    final OtherNode other = new OtherNode();

    @AfterEach
    void dropTriggers() {
        jdbc.sql("drop trigger if exists fail_reads_after_insert").update();
        jdbc.sql("drop trigger if exists fail_read").update();
    }

    @Test
    void aRejoinedInstanceWaitsForTheOthersReportsThoughItCouldNotReadTheListAsItRejoined() {
        other.joinRunningAhead();
        jdbc.sql("create trigger fail_reads_after_insert after insert on tempora_node for each row call \""
                        + FailReadsAfterInsert.class.getName() + "\"")
                .update();
        jdbc.sql("create trigger fail_read before select on tempora_node call \"" + FailRead.class.getName() + "\"")
                .update();

        Rejoins.presumeDeadAndRejoin(node, jdbc);

        var task =
                tasks.submit(new NewTask("echo", "1", Duration.ofHours(1), null, 0, null, null, "default", Map.of()));
        assertThatThrownBy(() -> tasks.cancel(task.id(), false))
                .isInstanceOf(NotReadyException.class)
                .hasMessageContaining("ahead of their claims");
    }
}
