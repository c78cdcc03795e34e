package dev.tempora.webhook;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/** The outbox of deliveries and their attempts (tables {@code webhook_delivery}, {@code webhook_attempt}). */
@Component
class DeliveryStore {

    private static final String COLUMNS =
            "select id, task_id, event_type, url, payload, state, attempts, created_at, next_attempt_at"
                    + " from webhook_delivery";

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batch;
    private final TransactionTemplate transaction;

    DeliveryStore(JdbcClient jdbc, NamedParameterJdbcTemplate batch, TransactionTemplate transaction) {
        this.jdbc = jdbc;
        this.batch = batch;
        this.transaction = transaction;
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
     * Takes the right to make the next attempt: only a PENDING delivery that is due and not leased
     * by anyone (or whose lease ran out) can be leased, so two instances never send it at once.
     */
    Optional<Delivery> lease(UUID id, Instant now, String owner, Instant until) {
        int leased = jdbc.sql("update webhook_delivery set attempts = attempts + 1, lease_owner = :owner,"
                        + " lease_until = :until where id = :id and state = 'PENDING' and next_attempt_at <= :now"
                        + " and (lease_until is null or lease_until < :now)")
                .param("owner", owner)
                .param("until", utc(until))
                .param("id", id)
                .param("now", utc(now))
                .update();
        return leased == 1 ? find(id) : Optional.empty();
    }

    /** Records an attempt and what follows it (the next attempt, or the end), releasing the lease. */
    void record(UUID id, Delivery.Attempt attempt, String state, Instant nextAttemptAt, String owner) {
        transaction.executeWithoutResult(status -> {
            jdbc.sql("insert into webhook_attempt (delivery_id, attempt, attempted_at, status_code, error, duration_ms,"
                            + " response_body) values (:id, :attempt, :at, :status, :error, :duration, :body)")
                    .param("id", id)
                    .param("attempt", attempt.attempt())
                    .param("at", utc(attempt.at()))
                    .param("status", attempt.statusCode())
                    .param("error", attempt.error())
                    .param("duration", attempt.durationMs())
                    .param("body", attempt.responseBody())
                    .update();
            var params = new HashMap<String, Object>();
            params.put("id", id);
            params.put("state", state);
            params.put("next", nextAttemptAt == null ? null : utc(nextAttemptAt));
            params.put("owner", owner);
            jdbc.sql("update webhook_delivery set state = :state, next_attempt_at = :next, lease_owner = null,"
                            + " lease_until = null where id = :id and lease_owner = :owner")
                    .params(params)
                    .update();
        });
    }

    /** PENDING deliveries due before {@code horizon} and not leased at {@code now}: id and due time. */
    Map<UUID, Instant> findDue(Instant horizon, Instant now, int limit) {
        var due = new HashMap<UUID, Instant>();
        jdbc.sql(
                        "select id, next_attempt_at from webhook_delivery where state = 'PENDING' and next_attempt_at < :horizon"
                                + " and (lease_until is null or lease_until < :now) order by next_attempt_at"
                                + " fetch first :limit rows only")
                .param("horizon", utc(horizon))
                .param("now", utc(now))
                .param("limit", limit)
                .query(row -> {
                    due.put(
                            row.getObject(1, UUID.class),
                            row.getObject(2, OffsetDateTime.class).toInstant());
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
        return jdbc.sql("select attempt, attempted_at, status_code, error, duration_ms, response_body"
                        + " from webhook_attempt where delivery_id = :id order by attempt")
                .param("id", deliveryId)
                .query((row, n) -> new Delivery.Attempt(
                        row.getInt(1),
                        row.getObject(2, OffsetDateTime.class).toInstant(),
                        row.getObject(3, Integer.class),
                        row.getString(4),
                        row.getLong(5),
                        row.getString(6)))
                .list();
    }

    /** Makes a delivery due again now, whatever its state; whether it exists. */
    boolean redeliver(UUID id, Instant now) {
        return jdbc.sql("update webhook_delivery set state = 'PENDING', next_attempt_at = :now where id = :id")
                        .param("now", utc(now))
                        .param("id", id)
                        .update()
                == 1;
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
                next == null ? null : next.toInstant());
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
