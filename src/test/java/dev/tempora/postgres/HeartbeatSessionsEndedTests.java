package dev.tempora.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.dispatch.Node;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Sessions ended under the service, many in a row (an administrator's sweep, a proxy recycling
 * its connections): each heartbeat draws from the pool a connection whose session has ended
 * since it was last used, and fails. An instance whose heartbeats all failed so for a node timeout
 * is presumed dead by the others, and its running tasks run a second time elsewhere (found by a
 * fault check: 15 s of sessions ended every half second did so to a live instance). A heartbeat
 * whose write finds the connection broken now writes again at once, on another.
 */
@Tag("postgres")
@SpringBootTest(
        properties = {
            "tempora.cluster.heartbeat-interval=PT0.5S",
            "tempora.cluster.node-timeout=PT3S",
            "spring.datasource.hikari.data-source-properties.ApplicationName=" + HeartbeatSessionsEndedTests.NAME
        })
class HeartbeatSessionsEndedTests {

    static final String NAME = "tempora-heartbeat-sessions-ended";

    private static final Duration UNDER_FIRE = Duration.ofSeconds(12);

    /** As often as the fault check did; the heartbeat's two connections' sessions end between beats. */
    private static final Duration KILL_EVERY = Duration.ofMillis(500);

    @Value("${spring.datasource.url}")
    String url;

    @Autowired
    Node node;

    @Test
    void heartbeatsGetThroughWhileSessionsAreEndedOverAndOver() throws Exception {
        var id = node.id();
        var longest = Duration.ZERO;
        int killed = 0;
        try (var sessions = new SessionEnder(url, NAME);
                var beat = sessions.connection()
                        .prepareStatement("select extract(epoch from clock_timestamp() - heartbeat_at)"
                                + " from tempora_node where id = ?")) {
            beat.setString(1, id);
            long until = System.nanoTime() + UNDER_FIRE.toNanos();
            while (System.nanoTime() < until) {
                killed += sessions.endAll();
                try (var result = beat.executeQuery()) {
                    if (result.next()) {
                        var since = Duration.ofMillis(Math.round(result.getDouble(1) * 1000));
                        longest = since.compareTo(longest) > 0 ? since : longest;
                    }
                }
                Thread.sleep(KILL_EVERY.toMillis());
            }
        }

        assertThat(killed).as("sessions ended").isPositive();
        // 4.3 to 4.8 s before, past the node timeout (3 s); about a heartbeat interval now.
        assertThat(longest).as("the longest time since the last heartbeat").isLessThan(Duration.ofSeconds(2));
    }
}
