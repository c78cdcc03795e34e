package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.OtherNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Tasks submitted here are reserved for this instance while it holds fewer than claim-batch in
 * memory, counting those of the same submission, so that other instances' loaders share the rest;
 * an instance alone in the node list reserves up to max-in-memory, as nobody could share them.
 */
@SpringBootTest(
        properties = {
            "tempora.dispatch.claim-batch=10",
            "tempora.dispatch.max-in-memory=100",
            // Heartbeats find the other instance within a second; the lease on being alone (two
            // beats) outlasts a slow machine's delayed beat between the wait and the submission.
            "tempora.cluster.heartbeat-interval=PT1S"
        })
class SubmitReservationTests {

    private static final int CLAIM_BATCH = 10;

    @Autowired
    TaskService tasks;

    @Autowired
    SubmitReservations reservations;

    @Autowired
    JdbcClient jdbc;

    private OtherNode other;

    @BeforeEach
    void setUp() {
        other = new OtherNode(jdbc);
    }

    @AfterEach
    void otherInstanceLeavesAndTasksFinish() {
        other.leave();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> jdbc.sql("select count(*) from task where state in ('SCHEDULED', 'RUNNING')")
                                .query(Long.class)
                                .single()
                        == 0);
    }

    @Test
    void aloneALargeSubmissionIsReservedWhole() {
        // Alone: room beyond claim-batch, once the loader's first pass has opened the look-ahead window.
        await().atMost(Duration.ofSeconds(10)).until(() -> roomFor(CLAIM_BATCH));

        var owners = owners(tasks.submitAll(Collections.nCopies(25, dueSoon())));

        assertThat(owners).as("reserved on submit").hasSize(25);
        assertThat(Set.copyOf(owners)).hasSize(1);
    }

    @Test
    void withAnotherInstanceALargeSubmissionReservesNoMoreThanClaimBatch() {
        other.join();
        // The next heartbeat finds it; then there is room for claim-batch only.
        await().atMost(Duration.ofSeconds(10)).until(() -> roomFor(0) && !roomFor(CLAIM_BATCH));

        var submitted = tasks.submitAll(Collections.nCopies(25, dueSoon()));

        assertThat(owners(submitted)).as("reserved on submit").hasSize(CLAIM_BATCH);
        assertThat(submitted.subList(CLAIM_BATCH, 25))
                .allSatisfy(task -> assertThat(task.owner()).isNull());
    }

    private boolean roomFor(int alreadyReserved) {
        return reservations
                .reserveOnSubmit(Instant.now().plusSeconds(1), alreadyReserved)
                .isPresent();
    }

    private static NewTask dueSoon() {
        return new NewTask("echo", "1", Duration.ofMillis(500), null, 0, null, null, "default", Map.of());
    }

    private static List<String> owners(List<Task> submitted) {
        return submitted.stream().map(Task::owner).filter(Objects::nonNull).toList();
    }
}
