package dev.tempora.webhook;

import static dev.tempora.support.Timestamps.utc;

import dev.tempora.support.JdbcTransactions;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The outbox of deliveries and their attempts (tables {@code webhook_delivery}, {@code webhook_attempt}). */
@Component
class DeliveryStore {

    private static final Logger log = LoggerFactory.getLogger(DeliveryStore.class);

    private static final String ATTEMPT_COLUMNS =
            "attempt, attempted_at, status_code, error, duration_ms, response_body";

    private static final String COLUMNS =
            "select id, task_id, event_type, url, payload, state, attempts, created_at, next_attempt_at, lease_owner"
                    + " from webhook_delivery";

    /** Whether the lease's owner (a node incarnation; leases are {@code <node id>/<n>}) has left the node list. */
    private static final String OWNER_GONE =
            "not exists (select 1 from tempora_node n where webhook_delivery.lease_owner like (n.id || '/%'))";

    /**
     * Whether the lease is void: free, run out, or taken by a node (incarnation) no longer in the node
     * list, which can no longer make that attempt (killed, or presumed dead after a pause). Leases are
     * {@code <node id>/<n>}. The attempt of a killed node was sent again only once its lease ran
     * out, timeout + 30 s after it began, however soon the next start came.
     */
    private static final String LEASE_VOID = "(lease_until is null or lease_until < :now or " + OWNER_GONE + ")";

    /** What an attempt whose instance left the node list before its outcome came is recorded as. */
    static final String STOPPED = "no answer: the instance sending it stopped before one came";

    /**
     * What every statement that ends a lease sets. {@code leased_at} is cleared with the other two,
     * though nothing reads it without an owner: an owner without it is then a lease taken before the
     * column existed (reckoned the old way), not one that kept an older lease's time. Builds without
     * the column, beside this one during a rolling upgrade, neither set nor clear it (README).
     */
    private static final String UNLEASED = "lease_owner = null, lease_until = null, leased_at = null";

    /** The lease {@code owner} took on {@code delivery} for one attempt. */
    record Lease(UUID delivery, String owner) {}

    /**
     * What {@link #lease} took.
     *
     * @param deliveries the deliveries leased, with their attempt counted
     * @param stopped the event of each attempt it recorded as {@link #STOPPED} on the way
     */
    record Leased(List<Delivery> deliveries, List<String> stopped) {}

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batch;
    private final JdbcTransactions transaction;
    /** The attempts the retry schedule allows: the first, and one after each of its waits. */
    private final int maxAttempts;

    DeliveryStore(
            JdbcClient jdbc,
            NamedParameterJdbcTemplate batch,
            JdbcTransactions transaction,
            WebhookProperties properties) {
        this.jdbc = jdbc;
        this.batch = batch;
        this.transaction = transaction;
        this.maxAttempts = properties.retrySchedule().size() + 1;
    }

    /** Writes new PENDING deliveries, due at once; in the caller's transaction. */
    void insert(List<Delivery> deliveries) {
        var rows = deliveries.stream()
                .map(delivery -> new MapSqlParameterSource()
                        .addValue("id", delivery.id())
                        .addValue("task", delivery.taskId())
                        .addValue("type", delivery.type())
                        .addValue("url", delivery.url())
                        .addValue("payload", delivery.payload())
                        .addValue("created", utc(delivery.createdAt())))
                .toArray(MapSqlParameterSource[]::new);
        batch.batchUpdate(
                "insert into webhook_delivery (id, task_id, event_type, url, payload, state, attempts, created_at,"
                        + " next_attempt_at) values (:id, :task, :type, :url, :payload, 'PENDING', 0, :created, :created)",
                rows);
    }

    /**
     * Takes the right to make the next attempt of each of {@code ids}: only a PENDING delivery that is
     * due and not leased by anyone (or whose lease is void) can be leased, so two instances never send
     * one at once. {@code lease} must be unique to this call. The free ones (nearly always all of
     * them) are taken in one update; only if some are left, those whose lease is void are taken over
     * after recording as stopped the attempts it takes over from instances gone from the node list,
     * so the usual lease costs no look-up of its own.
     *
     * <p>One transaction, with the read of what was leased: committed on its own, the update counted
     * attempts that a redelivery could then free (clearing the lease) before the read, which found
     * nothing to send, and a read that failed left them leased by this live instance, unsent. Either
     * way an attempt number was used up with no attempt, and the delivery waited out the lease.
     */
    Leased lease(List<UUID> ids, Instant now, String lease, Instant until) {
        return transaction.execute(status -> {
            int leased = take(ids, now, lease, until, "lease_owner is null");
            var stopped = new ArrayList<String>();
            if (leased < ids.size()) {
                endRecorded(ids, now);
                stopped.addAll(recordStopped(ids, now, Duration.between(now, until)));
                leased += take(ids, now, lease, until, LEASE_VOID);
            }
            if (leased == 0) {
                return new Leased(List.of(), stopped);
            }
            return new Leased(
                    jdbc.sql(COLUMNS + " where id in (:ids) and lease_owner = :lease")
                            .param("ids", ids)
                            .param("lease", lease)
                            .query(DeliveryStore::delivery)
                            .list(),
                    stopped);
        });
    }

    /**
     * Ends, as their recorded outcome says, the deliveries among {@code ids} whose lease is void and
     * whose leased attempt has a record that ended them (a 2xx, 410 Gone, or a failure of the last
     * attempt the schedule allows), though the delivery is still PENDING. {@link #recordAll} writes
     * the two in one transaction, but H2 2.5 can open a file killed mid-write with one of a
     * transaction's statements and not the other (the attempt kept, the delivery's update lost):
     * the delivery was leased again and sent a second time though its receiver had answered 200 (a
     * crash audit: one in 32 {@code kill -9}s), or sent once more than the schedule allows. An
     * attempt recorded as {@link #STOPPED} had no answer to decide by: it is attempted again, as
     * one taken over from a killed instance is. A redelivery clears the lease and leaves the count,
     * so its attempt, counted when it is leased, has no record yet: this never ends a redelivery.
     */
    private void endRecorded(List<UUID> ids, Instant now) {
        int ended = jdbc.sql("update webhook_delivery set state = case when exists (select 1 from webhook_attempt a"
                        + " where a.delivery_id = webhook_delivery.id and a.attempt = webhook_delivery.attempts"
                        + " and a.status_code between 200 and 299) then 'SUCCEEDED' else 'FAILED' end,"
                        + " next_attempt_at = null, " + UNLEASED
                        + " where id in (:ids) and state = 'PENDING' and lease_owner is not null and " + LEASE_VOID
                        + " and exists (select 1 from webhook_attempt a where a.delivery_id = webhook_delivery.id"
                        + " and a.attempt = webhook_delivery.attempts"
                        + " and (a.status_code between 200 and 299 or a.status_code = 410"
                        + " or (webhook_delivery.attempts >= :maxAttempts"
                        + " and (a.error is null or a.error <> :stopped))))")
                .param("ids", ids)
                .param("now", utc(now))
                .param("maxAttempts", maxAttempts)
                .param("stopped", STOPPED)
                .update();
        if (ended > 0) {
            // Not counted in the metrics here: the process that recorded the attempt counted it.
            log.warn(
                    "Ended {} webhook deliveries whose last attempt's outcome was recorded without them"
                            + " (the database file lost part of a transaction in a crash); not sent again",
                    ended);
        }
    }

    /** Leases those of {@code ids} that are PENDING, due, and match {@code free}: how many. */
    private int take(List<UUID> ids, Instant now, String lease, Instant until, String free) {
        return jdbc.sql("update webhook_delivery set attempts = attempts + 1, lease_owner = :lease,"
                        + " lease_until = :until, leased_at = :now where id in (:ids) and state = 'PENDING'"
                        + " and next_attempt_at <= :now and " + free)
                .param("lease", lease)
                .param("until", utc(until))
                .param("ids", ids)
                .param("now", utc(now))
                .update();
    }

    /**
     * Records, as {@link #STOPPED}, the attempts in flight on an instance that left the node list
     * (killed) among the deliveries about to be leased: counted when they were leased, they would
     * never have a record, and the delivery would list attempt 2 after none. Each was sent when it
     * was leased: {@code leased_at} is the time its sender would have recorded. A lease taken before
     * that column existed tells only when it ends: it is reckoned {@code leaseLength} long (this
     * instance's), which is right only where every instance has the same timeout.
     *
     * @return the event of each attempt recorded
     */
    private List<String> recordStopped(List<UUID> ids, Instant now, Duration leaseLength) {
        var stopped = jdbc.sql("select id, event_type, attempts, lease_until, leased_at from webhook_delivery"
                        + " where id in (:ids)"
                        + " and state = 'PENDING' and next_attempt_at <= :now and lease_owner is not null and "
                        + OWNER_GONE + " and not exists (select 1 from webhook_attempt a"
                        + " where a.delivery_id = webhook_delivery.id and a.attempt = webhook_delivery.attempts)"
                        + " order by id for update") // one order for every locker: no deadlock between them
                .param("ids", ids)
                .param("now", utc(now))
                .query((row, number) -> {
                    var leasedAt = row.getObject("leased_at", OffsetDateTime.class);
                    var sentAt = leasedAt != null
                            ? leasedAt.toInstant()
                            : row.getObject("lease_until", OffsetDateTime.class)
                                    .toInstant()
                                    .minus(leaseLength);
                    return new StoppedAttempt(
                            row.getObject("id", UUID.class),
                            row.getString("event_type"),
                            row.getInt("attempts"),
                            sentAt);
                })
                .list();
        if (stopped.isEmpty()) {
            return List.of();
        }
        insertStopped(stopped.stream()
                .map(attempt -> stoppedRow(attempt.delivery(), attempt.attempt(), attempt.sentAt()))
                .toList());
        return stopped.stream().map(StoppedAttempt::event).toList();
    }

    /** An attempt in flight on an instance gone from the node list, to be recorded as stopped. */
    private record StoppedAttempt(UUID delivery, String event, int attempt, Instant sentAt) {}

    /**
     * Records attempts and what follows each (the next attempt, or the end), releasing their leases,
     * in one transaction.
     */
    void recordAll(List<AttemptRecorder.Outcome> outcomes) {
        var attempts = outcomes.stream()
                .map(outcome -> new MapSqlParameterSource()
                        .addValue("id", outcome.delivery().id())
                        .addValue("attempt", outcome.attempt().attempt())
                        .addValue("at", utc(outcome.attempt().at()))
                        .addValue("status", outcome.attempt().statusCode())
                        .addValue("error", outcome.attempt().error())
                        .addValue("duration", outcome.attempt().durationMs())
                        .addValue("body", outcome.attempt().responseBody()))
                .toArray(MapSqlParameterSource[]::new);
        var deliveries = outcomes.stream()
                .map(outcome -> new MapSqlParameterSource()
                        .addValue("id", outcome.delivery().id())
                        .addValue("state", outcome.state())
                        .addValue("next", outcome.nextAttemptAt() == null ? null : utc(outcome.nextAttemptAt()))
                        .addValue("lease", outcome.lease()))
                .toArray(MapSqlParameterSource[]::new);
        transaction.run(status -> {
            batch.batchUpdate(
                    "insert into webhook_attempt (delivery_id, attempt, attempted_at, status_code, error, duration_ms,"
                            + " response_body) values (:id, :attempt, :at, :status, :error, :duration, :body)",
                    attempts);
            // Only while the lease is still ours: a lease that ran out may have passed to someone else.
            batch.batchUpdate(
                    "update webhook_delivery set state = :state, next_attempt_at = :next, " + UNLEASED
                            + " where id = :id and lease_owner = :lease",
                    deliveries);
        });
    }

    /**
     * Ends attempts cut by a stop: each still leased is given back ({@link #release}); one whose lease
     * a redelivery took away (the redelivery's attempt, counted after it, is what is given back) is
     * recorded as {@link #STOPPED}, or the delivery would list the attempt after it without it.
     *
     * @return how many were given back
     */
    int releaseOrRecordStopped(List<CutAttempt> cut) {
        var leases = cut.stream().map(CutAttempt::lease).toList();
        return transaction.execute(status -> {
            var counts = batch.batchUpdate(RELEASE, releaseRows(leases));
            var displaced = new ArrayList<MapSqlParameterSource>();
            int released = 0;
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] != 0) { // a count the driver does not know (negative) counts as given back
                    released++;
                } else {
                    var attempt = cut.get(i);
                    displaced.add(stoppedRow(attempt.lease().delivery(), attempt.attempt(), attempt.sentAt()));
                }
            }
            if (!displaced.isEmpty()) {
                insertStopped(displaced);
            }
            return released;
        });
    }

    /**
     * Records attempts as {@link #STOPPED}: where the delivery is still there (deleted with its task
     * meanwhile, it has none to keep) and the attempt has no record yet.
     */
    private void insertStopped(List<MapSqlParameterSource> rows) {
        batch.batchUpdate(
                "insert into webhook_attempt (delivery_id, attempt, attempted_at, error, duration_ms)"
                        + " select id, :attempt, :at, :error, 0 from webhook_delivery where id = :id"
                        + " and not exists (select 1 from webhook_attempt where delivery_id = :id"
                        + " and attempt = :attempt)",
                rows.toArray(MapSqlParameterSource[]::new));
    }

    private static MapSqlParameterSource stoppedRow(UUID delivery, int attempt, Instant sentAt) {
        return new MapSqlParameterSource()
                .addValue("id", delivery)
                .addValue("attempt", attempt)
                .addValue("at", utc(sentAt))
                .addValue("error", STOPPED);
    }

    /** An attempt cut by a stop: its lease, its number, and when it was sent. */
    record CutAttempt(Lease lease, int attempt, Instant sentAt) {}

    private static final String RELEASE = "update webhook_delivery set attempts = attempts - 1, " + UNLEASED
            + " where id = :id and lease_owner = :lease";

    private static MapSqlParameterSource[] releaseRows(List<Lease> leases) {
        return leases.stream()
                .map(lease -> new MapSqlParameterSource()
                        .addValue("id", lease.delivery())
                        .addValue("lease", lease.owner()))
                .toArray(MapSqlParameterSource[]::new);
    }

    /**
     * Gives back leased attempts that came to no end (cut by a stop), by delivery id and lease: not
     * counted, and free for anyone to lease at once. How many were given back.
     */
    int release(List<Lease> leases) {
        int released = 0;
        for (int count : batch.batchUpdate(RELEASE, releaseRows(leases))) {
            released += Math.max(count, 0);
        }
        return released;
    }

    /** When a delivery is due, and where it goes. */
    record Due(Instant at, String url) {}

    /**
     * The due deliveries, in {@code webhook_delivery_due}'s order: ordered by {@code next_attempt_at}
     * alone, H2 read every pending delivery due within the horizon and sorted them for each pass,
     * a receiver's whole backlog.
     */
    static final String FIND_DUE = "select id, next_attempt_at, url from webhook_delivery"
            + " where state = 'PENDING' and next_attempt_at < :horizon and " + LEASE_VOID
            + " order by state, next_attempt_at fetch first :limit rows only";

    /**
     * PENDING deliveries due before {@code horizon} whose lease, if any, is void at {@code now}, by
     * id, the earliest due first.
     */
    Map<UUID, Due> findDue(Instant horizon, Instant now, int limit) {
        var due = new LinkedHashMap<UUID, Due>();
        jdbc.sql(FIND_DUE)
                .param("horizon", utc(horizon))
                .param("now", utc(now))
                .param("limit", limit)
                .query(row -> {
                    due.put(
                            row.getObject(1, UUID.class),
                            new Due(row.getObject(2, OffsetDateTime.class).toInstant(), row.getString(3)));
                });
        return due;
    }

    Optional<Delivery> find(UUID id) {
        return jdbc.sql(COLUMNS + " where id = :id")
                .param("id", id)
                .query(DeliveryStore::delivery)
                .optional();
    }

    List<Delivery> findByTask(UUID taskId) {
        return jdbc.sql(COLUMNS + " where task_id = :task order by created_at, id")
                .param("task", taskId)
                .query(DeliveryStore::delivery)
                .list();
    }

    List<Delivery.Attempt> attempts(UUID deliveryId) {
        return jdbc.sql("select " + ATTEMPT_COLUMNS + " from webhook_attempt where delivery_id = :id order by attempt")
                .param("id", deliveryId)
                .query(DeliveryStore::attempt)
                .list();
    }

    /** The attempts of every delivery of the task, in one query: by delivery id, in order. */
    Map<UUID, List<Delivery.Attempt>> attemptsOfTask(UUID taskId) {
        var byDelivery = new HashMap<UUID, List<Delivery.Attempt>>();
        jdbc.sql("select a.delivery_id, " + ATTEMPT_COLUMNS + " from webhook_attempt a"
                        + " join webhook_delivery d on d.id = a.delivery_id where d.task_id = :task order by a.attempt")
                .param("task", taskId)
                .query(row -> {
                    byDelivery
                            .computeIfAbsent(row.getObject("delivery_id", UUID.class), id -> new ArrayList<>())
                            .add(attempt(row, 0));
                });
        return byDelivery;
    }

    /**
     * Makes a delivery due again now, whatever its state, and free to lease even while an attempt is
     * in flight (whose outcome, guarded by its lease, then no longer decides what follows); whether
     * it exists. Left leased, it was sent only after that attempt, and not at all if that attempt
     * failed: its outcome set the next attempt by the schedule, minutes or hours later.
     */
    boolean redeliver(UUID id, Instant now) {
        return jdbc.sql("update webhook_delivery set state = 'PENDING', next_attempt_at = :now, " + UNLEASED
                                + " where id = :id")
                        .param("now", utc(now))
                        .param("id", id)
                        .update()
                == 1;
    }

    private static Delivery.Attempt attempt(ResultSet row, int number) throws SQLException {
        return new Delivery.Attempt(
                row.getInt("attempt"),
                row.getObject("attempted_at", OffsetDateTime.class).toInstant(),
                row.getObject("status_code", Integer.class),
                row.getString("error"),
                row.getLong("duration_ms"),
                row.getString("response_body"));
    }

    private static Delivery delivery(ResultSet row, int number) throws SQLException {
        var next = row.getObject("next_attempt_at", OffsetDateTime.class);
        return new Delivery(
                row.getObject("id", UUID.class),
                row.getObject("task_id", UUID.class),
                row.getString("event_type"),
                row.getString("url"),
                row.getString("payload"),
                row.getString("state"),
                row.getInt("attempts"),
                row.getObject("created_at", OffsetDateTime.class).toInstant(),
                next == null ? null : next.toInstant(),
                row.getString("lease_owner"));
    }
}
