package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.TaskRows;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Leases and records on the real database, as instances killed or paused mid-attempt leave them.
 * Deliveries are due a day ahead, by times the tests pass in, so the context's own sender (which
 * looks seconds ahead) never touches them; owners are incarnations no node list holds.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DeliveryStoreTests {

    @Autowired
    DeliveryStore store;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    NamedParameterJdbcTemplate batch;

    @Autowired
    TransactionTemplate transaction;

    /** A day ahead, as stored (microseconds). */
    final Instant t0 = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MICROS);

    /** A node in no node list: its incarnations' leases are void, as a killed instance's are. */
    final String gone = "gone-" + UUID.randomUUID();

    final List<UUID> tasks = new ArrayList<>();

    @AfterEach
    void deleteTasks() {
        tasks.forEach(task -> jdbc.sql("delete from task where id = :id") // its deliveries and attempts go with it
                .param("id", task)
                .update());
    }

    @Test
    void anAttemptTakenOverFromAKilledInstanceIsRecordedWhenItWasSentWhateverItsLeaseLength() {
        // It was recorded at the first lease's end less the second's length: 60 s after it was
        // sent here, where the killed instance had a 70 s timeout and the one taking over 10 s.
        var id = pendingDelivery();
        store.lease(List.of(id), t0, gone + "/1", t0.plusSeconds(100));

        var takeOver = t0.plusSeconds(2);
        var leased = store.lease(List.of(id), takeOver, gone + "/2", takeOver.plusSeconds(40));

        assertThat(leased.deliveries())
                .singleElement()
                .satisfies(delivery -> assertThat(delivery.attempts()).isEqualTo(2));
        assertThat(leased.stopped()).as("for the metrics").containsExactly("task.succeeded");
        assertThat(store.attempts(id))
                .containsExactly(new Delivery.Attempt(1, t0, null, DeliveryStore.STOPPED, 0, null));
    }

    @Test
    void aLeaseTakenBeforeItsTimeWasStoredIsReckonedFromItsEndAndThisInstancesLeaseLength() {
        var id = pendingDelivery();
        store.lease(List.of(id), t0, gone + "/1", t0.plusSeconds(40));
        jdbc.sql("update webhook_delivery set leased_at = null where id = :id") // as V6 found it
                .param("id", id)
                .update();

        var takeOver = t0.plusSeconds(2);
        store.lease(List.of(id), takeOver, gone + "/2", takeOver.plusSeconds(40));

        assertThat(store.attempts(id))
                .singleElement()
                .satisfies(attempt -> assertThat(attempt.at()).isEqualTo(t0));
    }

    private UUID pendingDelivery() {
        var task = TaskRows.insertEcho(jdbc, "default", t0.atOffset(ZoneOffset.UTC));
        tasks.add(task);
        var id = UUID.randomUUID();
        store.insert(List.of(new Delivery(
                id, task, "task.succeeded", "http://127.0.0.1:9/hook", "{}", Delivery.PENDING, 0, t0, t0, null)));
        return id;
    }
}
