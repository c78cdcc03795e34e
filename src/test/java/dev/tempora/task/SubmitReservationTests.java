package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Tasks submitted here are reserved for this instance only while it holds fewer than claim-batch
 * in memory, counting those of the same submission: the rest stay for every instance's loader.
 */
@SpringBootTest(properties = "tempora.dispatch.claim-batch=10")
class SubmitReservationTests {

    @Autowired
    TaskService tasks;

    @Autowired
    SubmitReservations reservations;

    @Test
    void aLargeSubmissionReservesNoMoreThanClaimBatch() {
        // Reserving starts once the loader's first pass has opened the look-ahead window.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> reservations
                        .reserveOnSubmit(Instant.now().plusSeconds(5), 0)
                        .isPresent());
        var spec = new NewTask("echo", "1", Duration.ofSeconds(5), null, 0, null, null, "default", Map.of());
        var submitted = tasks.submitAll(Collections.nCopies(25, spec));

        List<String> owners = submitted.stream()
                .map(Task::owner)
                .filter(owner -> owner != null)
                .toList();
        assertThat(owners).as("reserved on submit").hasSize(10);
        assertThat(Set.copyOf(owners)).hasSize(1);
        assertThat(submitted.subList(10, 25))
                .allSatisfy(task -> assertThat(task.owner()).isNull());
    }
}
