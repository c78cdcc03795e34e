package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.OtherNode;
import dev.tempora.TaskRows;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * With another instance in the node list, the tasks of a pool not configured here run on the
 * default pool, so they are loaded within the default pool's share. Here the default pool is
 * limited (its tasks' time is known) while another pool is not (nothing has run on it): the pass
 * for pools without a limit took them as well, a batch at a time, beyond the default pool's share,
 * and each next pass handed that excess back for the other instance.
 */
@Tag("h2-only") // the loader's arithmetic, the same on either database
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.pools.default.size=1",
            "tempora.pools.idle.size=1",
            "tempora.cluster.heartbeat-interval=PT0.2S",
            // The other node never heartbeats: it must outlive the test.
            "tempora.cluster.node-timeout=PT60S",
            "tempora.dispatch.load-interval=PT0.25S",
            "tempora.dispatch.claim-batch=20"
        })
class SharedDefaultPoolTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    MeterRegistry registry;

    @Autowired
    Node node;

    @RegisterExtension
    final OtherNode other = new OtherNode();

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
        other.join();
        // Once a heartbeat has seen it: alone, no pool has a share, and nothing is handed back.
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.alone());
    }

    @Test
    void tasksOfAPoolNotConfiguredHereStayWithinALimitedDefaultPoolsShare() {
        // The default pool's time per task known: 100 ms, so it keeps 5 waiting besides the one running.
        for (int i = 0; i < 3; i++) {
            api.await(api.submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 0.1}}"), Duration.ofSeconds(5));
        }
        double before = handedBack();

        // Written straight into the table, as another instance's submissions would be: for the loader.
        TaskRows.insertSleeps(jdbc, "retired", 30, 0.1, OffsetDateTime.now(ZoneOffset.UTC));
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> unfinished() == 0);

        // Loaded up to the share, nothing is handed back; a batch at a time beyond it (20), each pass
        // handed back some 14 of them again: hundreds in all.
        assertThat(handedBack() - before).isLessThan(20);
    }

    private long unfinished() {
        return jdbc.sql("select count(*) from task where pool = 'retired' and state <> 'SUCCEEDED'")
                .query(Long.class)
                .single();
    }

    private double handedBack() {
        return registry.get("tempora.dispatch.handed.back")
                .tag("pool", "default")
                .counter()
                .count();
    }
}
