package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Counts by state, on H2 the largest state taken from the table's size: the same as a {@code
 * group by}, whichever state is largest, and as that changes.
 */
@SpringBootTest
class TaskCountsTests {

    @Autowired
    TaskCounts counts;

    @Autowired
    TaskService tasks;

    @Autowired
    JdbcClient jdbc;

    @Test
    void countsAreTheGroupBysWhicheverStateIsLargest() throws InterruptedException {
        assertCountsAreTheGroupBys("first");
        // SCHEDULED becomes the largest state by far: the next count reads the others, then the
        // one after that takes SCHEDULED from the total.
        // And one task RUNNING throughout, so that every state but QUEUED has some.
        var running = tasks.submit(
                new NewTask("sleep", "{\"seconds\": 10}", Duration.ZERO, null, 0, null, null, "default", Map.of()));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> jdbc.sql("select state from task where id = :id")
                        .param("id", running.getId())
                        .query(String.class)
                        .single()
                        .equals("RUNNING"));
        int ahead =
                (int) (groupBy().values().stream().mapToLong(Long::longValue).sum() + 100);
        var submitted = tasks.submitAll(Collections.nCopies(
                ahead, new NewTask("echo", "1", Duration.ofHours(1), null, 0, null, null, "default", Map.of())));
        for (int round = 0; round < 3; round++) {
            assertCountsAreTheGroupBys("round " + round);
        }
        tasks.cancel(new TaskId(running.getId()), true);
        jdbc.sql("delete from task where id in (:ids)")
                .param("ids", submitted.stream().map(Task::getId).toList())
                .update();
        for (int round = 0; round < 2; round++) {
            assertCountsAreTheGroupBys("after, round " + round);
        }
    }

    /**
     * Counts once, between two group bys that agree: other tests' tasks may still be ending, and
     * a count they move under is tried again.
     */
    private void assertCountsAreTheGroupBys(String round) throws InterruptedException {
        for (int tries = 0; tries < 50; tries++) {
            var before = groupBy();
            var counted = stored(counts.byState(Instant.now()));
            if (before.equals(groupBy())) {
                assertThat(counted).as(round).isEqualTo(before);
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(round + ": the tasks did not keep still for a count");
    }

    private Map<TaskState, Long> groupBy() {
        var byState = new EnumMap<TaskState, Long>(TaskState.class);
        for (var state : TaskState.values()) {
            if (state.stored() == state) {
                byState.put(state, 0L);
            }
        }
        jdbc.sql("select state, count(*) from task group by state").query(row -> {
            byState.put(TaskState.valueOf(row.getString(1)), row.getLong(2));
        });
        return byState;
    }

    /** SCHEDULED and QUEUED as they are stored: one state. */
    private static Map<TaskState, Long> stored(Map<TaskState, Long> seen) {
        var byState = new EnumMap<>(seen);
        byState.merge(TaskState.SCHEDULED, byState.remove(TaskState.QUEUED), Long::sum);
        return byState;
    }
}
