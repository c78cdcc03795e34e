package dev.tempora.dispatch;

import dev.tempora.TaskRows;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * {@link PoolBehindBacklogTests}' backlog, larger than {@code max-in-memory}: the loader takes the
 * earliest due of every pool, so once one pool's overdue tasks filled memory, an idle pool's tasks
 * stayed in the database until that backlog had drained past their {@code runAt} (here about
 * 50 s). Each pool keeps a share of memory the others cannot take.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.dispatch.max-in-memory=100",
            "tempora.dispatch.claim-batch=100",
            "tempora.pools.default.size=1",
            "tempora.pools.bulk.size=1",
            "tempora.pools.urgent.size=1"
        })
class PoolBehindFullMemoryTests extends PoolBehindBacklogTests {

    /**
     * Two backlogs: a pool counted as crowded only near the whole of memory, the second backlog
     * took the idle pool's share, and its task started 23 s late (review).
     */
    @Test
    void anIdlePoolsTaskStartsOnTimeBehindTwoOtherPoolsBacklogs() {
        TaskRows.insertSleeps(
                jdbc, "default", 500, 0.05, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(2));
        TaskRows.insertSleeps(
                jdbc, "bulk", 500, 0.05, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1));
        assertAnUrgentTaskStartsOnTime();
    }
}
