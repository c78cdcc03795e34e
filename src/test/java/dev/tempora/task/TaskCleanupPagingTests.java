package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * One cleanup pass over more ended tasks than a page holds, with the periodic cleanup off ({@code
 * keep-finished} unset), so that the pass alone deletes them, page after page.
 */
@SpringBootTest
class TaskCleanupPagingTests {

    @Autowired
    TaskService tasks;

    @Autowired
    TaskCleanup cleanup;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    DatabaseProduct database;

    @Test
    void aPassDeletesEveryEndedTaskPageAfterPageAndKeepsTheRest() {
        int ended = TaskCleanup.PAGE * 2 + 100;
        var before = count("state = 'SUCCEEDED'");
        tasks.submitAll(Collections.nCopies(
                ended, new NewTask("echo", "1", Duration.ZERO, null, 0, null, null, "default", Map.of())));
        tasks.submit(new NewTask("echo", "1", Duration.ofHours(1), null, 0, null, null, "default", Map.of()));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("state = 'SUCCEEDED'") == before + ended);

        int deleted = cleanup.deleteEndedBefore(Instant.now().plusSeconds(1));

        assertThat(deleted).isGreaterThanOrEqualTo(ended);
        assertThat(count("state in ('SUCCEEDED', 'FAILED', 'CANCELLED')")).isZero();
        assertThat(count("state = 'SCHEDULED'")).isPositive();
    }

    @Test
    void aPageIsDeletedByItsIdsNotByReadingItsStateThroughAnIndex() {
        assumeFalse(database.isPostgres(), "H2's plan; PostgreSQL's depends on its statistics");

        var plan = jdbc.sql("explain " + TaskCleanup.DELETE)
                .param("ids", List.of(UUID.randomUUID(), UUID.randomUUID()))
                .query(String.class)
                .single();

        assertThat(plan).contains("PRIMARY_KEY").doesNotContain("TASK_STATE_ID").doesNotContain("TASK_DUE");
    }

    private long count(String where) {
        return jdbc.sql("select count(*) from task where " + where)
                .query(Long.class)
                .single();
    }
}
