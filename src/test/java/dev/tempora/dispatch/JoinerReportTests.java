package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.OtherNode;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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

    OtherNode joiner;

    @AfterEach
    void leave() {
        if (joiner != null) {
            joiner.leave();
        }
    }

    @Test
    void theHeartbeatThatFindsAJoinerReportsAtOnceThatItNoLongerStartsAhead() {
        await().atMost(Duration.ofSeconds(10)).until(node::alone);
        assertThat(report().startsAhead()).as("alone").isTrue();

        joiner = new OtherNode(jdbc);
        joiner.join();

        // Every report this instance writes, with when it was first seen, until one says false.
        var seen = new ArrayList<Seen>();
        await().atMost(HEARTBEAT.multipliedBy(3))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    var report = report();
                    if (seen.isEmpty() || seen.getLast().report().beats() != report.beats()) {
                        seen.add(new Seen(report, System.nanoTime()));
                    }
                    return !report.startsAhead();
                });

        var settled = seen.getLast();
        var before = seen.get(seen.size() - 2);
        assertThat(before.report().startsAhead())
                .as("the report before, by the heartbeat that found the joiner")
                .isTrue();
        assertThat(settled.report().beats()).isEqualTo(before.report().beats() + 1);
        assertThat(Duration.ofNanos(settled.at() - before.at()))
                .as("written by the same heartbeat, not by the next one, %s later", HEARTBEAT)
                .isLessThan(HEARTBEAT.dividedBy(2));
    }

    private Report report() {
        return jdbc.sql("select beats, starts_ahead from tempora_node where id = :id")
                .param("id", node.id())
                .query((row, n) -> new Report(row.getLong("beats"), row.getBoolean("starts_ahead")))
                .single();
    }

    private record Report(long beats, boolean startsAhead) {}

    private record Seen(Report report, long at) {}
}
