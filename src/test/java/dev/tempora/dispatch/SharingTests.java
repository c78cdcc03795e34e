package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.OtherNode;
import dev.tempora.TaskRows;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * With another instance in the node list (one that never runs anything), a pool holds what its
 * workers start within two load intervals and hands the rest of its due backlog back, once; a
 * pool whose tasks have not run yet takes any number meanwhile.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.pools.slow.size=1",
            "tempora.cluster.heartbeat-interval=PT0.2S",
            // The other node never heartbeats: it must outlive every wait here, or this instance
            // would find itself alone again and load everything.
            "tempora.cluster.node-timeout=PT60S",
            "tempora.dispatch.load-interval=PT0.25S",
            "tempora.dispatch.claim-batch=20"
        })
class SharingTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    MeterRegistry registry;

    Api api;
    OtherNode other;

    @BeforeEach
    void setUp() throws InterruptedException {
        api = new Api(port);
        other = new OtherNode(jdbc);
        other.join();
        Thread.sleep(1000); // a few heartbeats: this instance no longer holds the lease on being alone
    }

    @AfterEach
    void tearDown() {
        other.leave();
    }

    @Test
    void tasksThatTakeNoTimeAreStillLoaded() throws InterruptedException {
        // Their share of waiting tasks (6 workers x 500 ms at a few milliseconds a task at most)
        // is above what one loader pass takes (claim-batch, 20 here): a pass must still be worth
        // making. Once it was not, and the loader took no task of such a pool again (the other
        // test here then stalled too).
        for (int i = 0; i < 20; i++) {
            api.await(api.submit("{\"handler\": \"echo\"}"), Duration.ofSeconds(5));
        }
        // The slow pool's time per task known too: every pool here is then limited.
        api.await(
                api.submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 0.01}, \"pool\": \"slow\"}"),
                Duration.ofSeconds(5));
        Thread.sleep(600); // a few loader passes: the pool's time per task is known

        // Written straight into the table, as another instance's submissions would be: for the loader.
        var ids = new ArrayList<UUID>();
        var now = OffsetDateTime.now(ZoneOffset.UTC);
        for (int i = 0; i < 50; i++) {
            // One of a pool no longer configured: its tasks run on the default pool, and load with it.
            ids.add(TaskRows.insertEcho(jdbc, i == 0 ? "retired" : "default", now));
        }
        for (var id : ids) {
            assertThat(api.await(id.toString(), Duration.ofSeconds(10))
                            .path("state")
                            .asString())
                    .isEqualTo("SUCCEEDED");
        }
    }

    @Test
    void aPoolKeepsWhatItsWorkersStartSoonAndHandsTheRestBackOnce() {
        // One worker, 100 ms a task: it keeps 5 waiting (two load intervals, 500 ms of work)
        // besides the one it runs.
        var slow = new ArrayList<String>();
        for (int i = 0; i < 30; i++) {
            slow.add(api.submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 0.1}, \"pool\": \"slow\"}"));
        }
        // Unless the other test ran first, nothing has run on the default pool yet: no limit.
        var quick = api.submit("{\"handler\": \"echo\", \"delay\": 0.5}");

        assertThat(api.await(quick, Duration.ofSeconds(5)).path("state").asString())
                .isEqualTo("SUCCEEDED");
        for (var id : slow) {
            assertThat(api.await(id, Duration.ofSeconds(15)).path("state").asString())
                    .isEqualTo("SUCCEEDED");
        }

        double handedBack = registry.get("tempora.dispatch.handed.back")
                .tag("pool", "slow")
                .counter()
                .count();
        // Handed back: what was reserved on submit (claim-batch, 20) less the one running and the
        // five waiting, and some more while the first runs' time settled. Each pass reserving
        // again what the last handed back (a limit shared across pools, not each pool's own) had
        // handed back 125.
        assertThat(handedBack).isBetween(5.0, 45.0);
        assertThat(jdbc.sql("select count(*) from task where pool = 'slow' and attempts <> 1")
                        .query(Long.class)
                        .single())
                .as("each started once")
                .isZero();
    }
}
