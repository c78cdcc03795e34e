package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.OtherNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An instance alone reports at every heartbeat that it may be running tasks ahead of their claims.
 * The heartbeat that finds another instance has joined reports again at once that it no longer
 * does (its claims being written), rather than at the next heartbeat: the joiner decides no cancel
 * until it reads that report, so every heartbeat interval saved here is one its first cancel waits
 * less.
 */
@SpringBootTest(properties = {"tempora.cluster.heartbeat-interval=PT3S", "tempora.cluster.node-timeout=PT30S"})
class JoinerReportTests {

    private static final Duration HEARTBEAT = Duration.ofSeconds(3);

    @Autowired
    Node node;

    @Autowired
    JdbcClient jdbc;

    @RegisterExtension
    final OtherNode joiner = new OtherNode();

    @Test
    void theHeartbeatThatFindsAJoinerReportsAtOnceThatItNoLongerStartsAhead() {
        await().atMost(Duration.ofSeconds(10)).until(node::alone);
        var alone = report();
        assertThat(alone.startsAhead()).as("alone").isTrue();

        // Joins a third of an interval after a heartbeat, which has ended by then: the next finds it.
        await().atMost(HEARTBEAT.multipliedBy(2))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> report().beats() > alone.beats());
        long beat = System.nanoTime();
        var before = report();
        await().pollDelay(HEARTBEAT.dividedBy(3)).until(() -> true);
        joiner.join();

        await().atMost(HEARTBEAT.multipliedBy(3))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> !report().startsAhead());
        var settled = Duration.ofNanos(System.nanoTime() - beat);

        assertThat(report().beats())
                .as("the next heartbeat's report, then the one saying it no longer starts ahead")
                .isEqualTo(before.beats() + 2);
        // Reported at the next heartbeat (about one interval after the last), not the one after it.
        assertThat(settled).isLessThan(HEARTBEAT.multipliedBy(3).dividedBy(2));
    }

    private Report report() {
        return jdbc.sql("select beats, starts_ahead from tempora_node where id = :id")
                .param("id", node.id())
                .query((row, n) -> new Report(row.getLong("beats"), row.getBoolean("starts_ahead")))
                .single();
    }

    private record Report(long beats, boolean startsAhead) {}
}
