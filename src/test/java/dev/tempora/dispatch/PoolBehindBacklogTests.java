package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.TaskRows;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;

/**
 * An instance alone loads a backlog larger than one pass takes in batches back to back while
 * memory has room, so that another pool's tasks falling due meanwhile are loaded in time: a pass
 * takes the earliest due of every pool, and at one pass per load interval (or as the pools
 * drained) an idle pool's tasks waited behind the backlog's batches (a user's test on PostgreSQL:
 * 4 s late after a restart with 4,000 overdue elsewhere).
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tempora.dispatch.claim-batch=100", "tempora.pools.default.size=1", "tempora.pools.urgent.size=1"
        })
@DirtiesContext
class PoolBehindBacklogTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Test
    void anIdlePoolsTaskStartsOnTimeBehindAnotherPoolsBacklog() {
        // Written straight into the table, as another writer's would be, for the loader: 1,000 tasks
        // of 50 ms each on a pool of one worker, overdue, ten batches deep; then one of an idle pool.
        TaskRows.insertSleeps(
                jdbc, "default", 1_000, 0.05, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1));
        assertAnUrgentTaskStartsOnTime();
        assertThat(jdbc.sql("select count(*) from task where pool = 'default' and state = 'SCHEDULED'")
                        .query(Integer.class)
                        .single())
                .as("the backlog still waiting")
                .isGreaterThan(500);
    }

    /** A task of pool {@code urgent}, idle, due 3 s from now, starts within 2 s of its runAt. */
    void assertAnUrgentTaskStartsOnTime() {
        // Due 3 s after the backlog is written: a commit a row, which can take seconds on a loaded machine.
        var due = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(3);
        var urgent = TaskRows.insertEcho(jdbc, "urgent", due);

        var task = new Api(port).await(urgent.toString(), Duration.ofSeconds(20));
        assertThat(task.path("state").asString()).isEqualTo("SUCCEEDED");
        var late = Duration.between(
                due.toInstant(), Instant.parse(task.path("startedAt").asString()));
        assertThat(late).as("started after its runAt by").isLessThan(Duration.ofSeconds(2));
    }
}
