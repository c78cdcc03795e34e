package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.TaskRows;
import dev.tempora.support.JdbcTransactions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

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
    JdbcTransactions transaction;

    @Autowired
    WebhookProperties webhooks;

    /** A day ahead, as stored (microseconds). */
    final Instant t0 = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MICROS);

    /** A node in no node list: its incarnations' leases are void, as a killed instance's are. */
    final String gone = "gone-" + UUID.randomUUID();

    final List<UUID> tasks = new ArrayList<>();

    @Test
    void dueDeliveriesAreReadInTheDueIndexsOrder() throws Exception {
        String product;
        try (var connection = batch.getJdbcTemplate().getDataSource().getConnection()) {
            product = connection.getMetaData().getDatabaseProductName();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(product.equals("H2"), "H2's plan");
        // Ordered by next_attempt_at alone, H2 read a receiver's whole backlog for each pass.
        var plan = jdbc.sql("explain " + DeliveryStore.FIND_DUE)
                .param("horizon", t0.atOffset(ZoneOffset.UTC))
                .param("now", t0.atOffset(ZoneOffset.UTC))
                .param("limit", 1000)
                .query(String.class)
                .single();
        assertThat(plan).contains("WEBHOOK_DELIVERY_DUE", "/* index sorted */");
    }

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

        var leased = takeOver(id);

        assertThat(leased.deliveries())
                .singleElement()
                .satisfies(delivery -> assertThat(delivery.attempts()).isEqualTo(2));
        assertThat(leased.stopped()).as("for the metrics").containsExactly("task.succeeded");
        assertThat(store.attempts(id))
                .containsExactly(new Delivery.Attempt(1, t0, null, DeliveryStore.STOPPED, 0, null));
    }

    @Test
    void aDeliveryWhoseRecordedSuccessLostItsUpdateInACrashEndsInsteadOfBeingSentAgain() {
        // H2 opened a killed file with recordAll's attempt row and without its delivery update:
        // attempt 1 answered 200, the delivery still PENDING and leased by the killed incarnation.
        var delivery = leasedDelivery(gone + "/1");
        insertAttempt(delivery.id(), 1, 200);

        var leased = takeOver(delivery.id());

        assertThat(leased.deliveries()).as("not sent again").isEmpty();
        var after = store.find(delivery.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(Delivery.SUCCEEDED);
        assertThat(after.attempts()).isEqualTo(1);
        assertThat(after.lease()).isNull();
        assertThat(store.attempts(delivery.id()))
                .singleElement()
                .satisfies(attempt -> assertThat(attempt.statusCode()).isEqualTo(200));
    }

    @Test
    void aRecordedFailureWhoseUpdateWasLostIsSimplyAttemptedAgain() {
        var delivery = leasedDelivery(gone + "/1");
        insertAttempt(delivery.id(), 1, 500);

        var leased = takeOver(delivery.id());

        assertThat(leased.deliveries())
                .singleElement()
                .satisfies(again -> assertThat(again.attempts()).isEqualTo(2));
    }

    @Test
    void aRecordedFailureOfTheLastAttemptWhoseUpdateWasLostEndsTheDeliveryAsFailed() {
        // The same split on the last attempt the schedule allows: it was sent once more.
        int last = webhooks.retrySchedule().size() + 1;
        var delivery = leasedDelivery(gone + "/1");
        jdbc.sql("update webhook_delivery set attempts = :last where id = :id")
                .param("last", last)
                .param("id", delivery.id())
                .update();
        insertAttempt(delivery.id(), last, 500);

        var leased = takeOver(delivery.id());

        assertThat(leased.deliveries()).as("not sent again").isEmpty();
        var after = store.find(delivery.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(Delivery.FAILED);
        assertThat(after.attempts()).isEqualTo(last);
        assertThat(after.lease()).isNull();
        assertThat(after.nextAttemptAt()).isNull();
    }

    @Test
    void aRedeliveryAfterASuccessIsSentAgain() {
        var delivery = leasedDelivery(gone + "/1");
        store.recordAll(List.of(delivered(delivery)));
        store.redeliver(delivery.id(), t0);

        var leased = store.lease(List.of(delivery.id()), t0.plusSeconds(1), gone + "/2", t0.plusSeconds(41));

        assertThat(leased.deliveries()).singleElement();
    }

    /** A lease of {@code id} 2 s after {@code t0} by another incarnation of the gone instance, as a restart's. */
    private DeliveryStore.Leased takeOver(UUID id) {
        var at = t0.plusSeconds(2);
        return store.lease(List.of(id), at, gone + "/2", at.plusSeconds(40));
    }

    private void insertAttempt(UUID delivery, int attempt, int status) {
        jdbc.sql("insert into webhook_attempt (delivery_id, attempt, attempted_at, status_code, duration_ms)"
                        + " values (:id, :attempt, :at, :status, 5)")
                .param("id", delivery)
                .param("attempt", attempt)
                .param("at", t0.atOffset(ZoneOffset.UTC))
                .param("status", status)
                .update();
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

    @Test
    void aBatchHoldingALateOutcomeOfAnAttemptRecordedAsStoppedStillRecordsTheOthers() throws Exception {
        // A paused instance, presumed dead, whose attempt was recorded as stopped when another took
        // its delivery over, comes back with that attempt's outcome in the batch of a valid one:
        // the duplicate key failed the whole batch's transaction, and the valid outcome with it.
        var paused = pendingDelivery();
        var late = store.lease(List.of(paused), t0, gone + "/1", t0.plusSeconds(40))
                .deliveries()
                .getFirst();
        store.lease(List.of(paused), t0.plusSeconds(1), gone + "/2", t0.plusSeconds(41));
        var valid = leasedDelivery(gone + "/3");
        var held = leasedDelivery(gone + "/4");

        var recorded = recordAfterAHeldBatch(held, delivered(late), delivered(valid));

        assertThat(recorded.failures().get(0))
                .as("the late outcome is dropped")
                .isInstanceOf(DuplicateKeyException.class);
        assertThat(recorded.failures().get(1)).isNull();
        assertThat(recorded.batches())
                .as("the two in one batch, then each alone")
                .containsExactly(1, 2, 1, 1);
        assertThat(store.find(valid.id()).orElseThrow().state()).isEqualTo(Delivery.SUCCEEDED);
        assertThat(store.attempts(valid.id()))
                .singleElement()
                .satisfies(attempt -> assertThat(attempt.statusCode()).isEqualTo(200));
        assertThat(store.attempts(paused))
                .singleElement()
                .satisfies(attempt -> assertThat(attempt.error()).isEqualTo(DeliveryStore.STOPPED));
        assertThat(store.find(paused).orElseThrow().lease())
                .as("still leased by the instance that took it over")
                .endsWith("/2");
    }

    @Test
    void aBatchHoldingTheOutcomeOfADeliveryDeletedMeanwhileStillRecordsTheOthers() throws Exception {
        // Retention deleted a task, and its delivery with it, while an attempt was in flight: the
        // foreign key failed the batch, whose other outcomes were then sent again at their lease's end.
        var orphan = leasedDelivery(gone + "/1");
        jdbc.sql("delete from task where id = :task")
                .param("task", orphan.taskId())
                .update();
        var valid = leasedDelivery(gone + "/2");
        var held = leasedDelivery(gone + "/3");

        var recorded = recordAfterAHeldBatch(held, delivered(orphan), delivered(valid));

        assertThat(recorded.failures().get(0)).isInstanceOf(DataIntegrityViolationException.class);
        assertThat(recorded.failures().get(1)).isNull();
        assertThat(recorded.batches()).containsExactly(1, 2, 1, 1);
        assertThat(store.find(valid.id()).orElseThrow().state()).isEqualTo(Delivery.SUCCEEDED);
    }

    /** The sizes of the batches written, and what failed each of the outcomes (null: recorded). */
    record Recorded(List<Integer> batches, List<Throwable> failures) {}

    /**
     * Records {@code together} in one batch: the recorder writes what waits when it takes a batch,
     * so the first, of {@code held}, is held until they all wait.
     */
    private Recorded recordAfterAHeldBatch(Delivery held, AttemptRecorder.Outcome... together) throws Exception {
        var batches = new CopyOnWriteArrayList<Integer>();
        var holding = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var gated = new DeliveryStore(jdbc, batch, transaction, webhooks) {
            @Override
            void recordAll(List<AttemptRecorder.Outcome> outcomes) {
                batches.add(outcomes.size());
                if (holding.getCount() > 0) {
                    holding.countDown();
                    await(release);
                }
                super.recordAll(outcomes);
            }
        };
        var recorder = new AttemptRecorder(gated);
        recorder.start();
        try {
            var first = recorder.add(delivered(held));
            await(holding);
            var futures = Arrays.stream(together).map(recorder::add).toList();
            release.countDown();
            first.get(10, TimeUnit.SECONDS);
            var failures = new ArrayList<Throwable>();
            for (var future : futures) {
                try {
                    future.get(10, TimeUnit.SECONDS);
                    failures.add(null);
                } catch (ExecutionException failed) {
                    failures.add(failed.getCause());
                }
            }
            return new Recorded(List.copyOf(batches), failures);
        } finally {
            release.countDown();
            recorder.stop();
        }
    }

    /** A pending delivery due at {@code t0}, leased by {@code lease} for 40 s. */
    private Delivery leasedDelivery(String lease) {
        return store.lease(List.of(pendingDelivery()), t0, lease, t0.plusSeconds(40))
                .deliveries()
                .getFirst();
    }

    private UUID pendingDelivery() {
        var task = TaskRows.insertEcho(jdbc, "default", t0.atOffset(ZoneOffset.UTC));
        tasks.add(task);
        var id = UUID.randomUUID();
        store.insert(List.of(new Delivery(
                id, task, "task.succeeded", "http://127.0.0.1:9/hook", "{}", Delivery.PENDING, 0, t0, t0, null)));
        return id;
    }

    private static AttemptRecorder.Outcome delivered(Delivery delivery) {
        return new AttemptRecorder.Outcome(
                delivery,
                delivery.lease(),
                new Delivery.Attempt(delivery.attempts(), delivery.nextAttemptAt(), 200, null, 5, "ok"),
                Delivery.SUCCEEDED,
                null);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new AssertionError(interrupted);
        }
    }
}
