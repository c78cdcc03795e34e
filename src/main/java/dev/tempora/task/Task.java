package dev.tempora.task;

import dev.tempora.support.Timestamps;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.MapKeyColumn;
import jakarta.persistence.Table;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hibernate.annotations.BatchSize;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A submitted task as stored. Inserted by {@link TaskInserts} and changed only through {@link
 * TaskTransitions} (guarded updates), both plain JDBC; read as this entity by {@link TaskRepository}
 * or from a row ({@link #fromRow}).
 */
@Entity
@Table(name = "task")
public class Task {

    /** Each label is a row of its own, and a filter's worth of index: labels tag, they do not store. */
    public static final int MAX_LABELS = 64;

    @Id
    private UUID id;

    private String handler;

    /** The handler's arguments as JSON text; {@code null} stands for JSON {@code null}. */
    private String args;

    private int priority;
    private Instant runAt;
    private Instant createdAt;

    @Enumerated(EnumType.STRING)
    @JdbcTypeCode(SqlTypes.VARCHAR)
    private TaskState state;

    private int attempts;
    private Instant startedAt;
    private Instant finishedAt;

    /** The handler's return value as JSON text. */
    private String result;

    private String exceptionType;
    private String exceptionMessage;
    private String exceptionTrace;
    private Long timeoutMs;
    private String callbackUrl;
    private String callbackEvents;
    private String pool;

    /** The node that has reserved or runs it; written here only when reserved as it is submitted. */
    private String owner;

    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "task_label", joinColumns = @JoinColumn(name = "task_id"))
    @MapKeyColumn(name = "label_key")
    @Column(name = "label_value")
    @BatchSize(size = 500)
    private Map<String, String> labels = new LinkedHashMap<>();

    protected Task() {}

    /** A new task, SCHEDULED, to be inserted ({@link TaskInserts}). */
    public static Task submit(TaskId id, NewTask spec, Instant runAt, Instant now, String reservedBy) {
        var task = new Task();
        task.id = id.value();
        task.handler = spec.handler();
        task.args = spec.argsJson();
        task.priority = spec.priority();
        task.runAt = runAt;
        task.createdAt = now;
        task.state = TaskState.SCHEDULED;
        task.timeoutMs = spec.timeout() == null ? null : spec.timeout().toMillis();
        task.callbackUrl =
                spec.callbackUrl() == null ? null : spec.callbackUrl().toString();
        task.callbackEvents = TaskEvent.store(spec.callbackEvents());
        task.pool = spec.pool();
        task.owner = reservedBy;
        task.labels.putAll(spec.labels());
        return task;
    }

    /**
     * This stored task as read while a worker here runs it ahead of its claim ({@link StartsAhead}):
     * RUNNING since {@code startedAt}, as the claim will store it. A copy, never stored.
     */
    Task runningAhead(Instant startedAt) {
        var running = new Task();
        running.id = id;
        running.handler = handler;
        running.args = args;
        running.priority = priority;
        running.runAt = runAt;
        running.createdAt = createdAt;
        running.state = TaskState.RUNNING;
        running.attempts = attempts + 1;
        running.startedAt = startedAt;
        running.timeoutMs = timeoutMs;
        running.callbackUrl = callbackUrl;
        running.callbackEvents = callbackEvents;
        running.pool = pool;
        running.owner = owner;
        running.labels = new LinkedHashMap<>(labels);
        return running;
    }

    /**
     * A stored task read through JDBC ({@link TaskLookup}): the columns of {@link
     * TaskLookup#COLUMNS}, in any order; its labels are then added with {@link #label}.
     */
    static Task fromRow(ResultSet row, int number) throws SQLException {
        var task = new Task();
        task.id = row.getObject("id", UUID.class);
        task.handler = row.getString("handler");
        task.args = row.getString("args");
        task.priority = row.getInt("priority");
        task.runAt = instant(row, "run_at");
        task.createdAt = instant(row, "created_at");
        task.state = TaskState.valueOf(row.getString("state"));
        task.attempts = row.getInt("attempts");
        task.startedAt = instant(row, "started_at");
        task.finishedAt = instant(row, "finished_at");
        task.result = row.getString("result");
        task.exceptionType = row.getString("exception_type");
        task.exceptionMessage = row.getString("exception_message");
        task.exceptionTrace = row.getString("exception_trace");
        task.timeoutMs = row.getObject("timeout_ms", Long.class);
        task.callbackUrl = row.getString("callback_url");
        task.callbackEvents = row.getString("callback_events");
        task.pool = row.getString("pool");
        task.owner = row.getString("owner");
        return task;
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        var value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** Adds a label to a task read through JDBC. */
    void label(String key, String value) {
        labels.put(key, value);
    }

    public UUID getId() {
        return id;
    }

    public TaskId id() {
        return new TaskId(id);
    }

    public String handler() {
        return handler;
    }

    public String argsJson() {
        return args;
    }

    public int priority() {
        return priority;
    }

    public Instant runAt() {
        return runAt;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** The stored state (never QUEUED); see {@link #stateAt}. */
    public TaskState state() {
        return state;
    }

    /** The state a client sees at {@code now}. */
    public TaskState stateAt(Instant now) {
        return state.observedAt(runAt, now);
    }

    public int attempts() {
        return attempts;
    }

    public Optional<Instant> startedAt() {
        return Optional.ofNullable(startedAt);
    }

    public Optional<Instant> finishedAt() {
        return Optional.ofNullable(finishedAt);
    }

    public String resultJson() {
        return result;
    }

    public Optional<TaskException> exception() {
        return exceptionType == null
                ? Optional.empty()
                : Optional.of(new TaskException(exceptionType, exceptionMessage, exceptionTrace));
    }

    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeoutMs).map(Duration::ofMillis);
    }

    public Optional<String> callbackUrl() {
        return Optional.ofNullable(callbackUrl);
    }

    /** What the callback hears of. */
    public Set<TaskEvent> callbackEvents() {
        return TaskEvent.load(callbackEvents);
    }

    public String pool() {
        return pool;
    }

    /** The node that has reserved or runs it, as stored when it was read; empty for none. */
    String owner() {
        return owner;
    }

    public Map<String, String> labels() {
        return Map.copyOf(labels);
    }

    /**
     * Binds this new task's columns for {@link TaskInserts}, in the order of
     * {@link TaskInserts#COLUMNS}.
     */
    void bindInsert(PreparedStatement insert) throws SQLException {
        insert.setObject(1, id);
        insert.setString(2, handler);
        insert.setString(3, args);
        insert.setInt(4, priority);
        insert.setObject(5, Timestamps.utc(runAt));
        insert.setObject(6, Timestamps.utc(createdAt));
        insert.setString(7, state.name());
        if (timeoutMs == null) {
            insert.setNull(8, Types.BIGINT);
        } else {
            insert.setLong(8, timeoutMs);
        }
        insert.setString(9, callbackUrl);
        insert.setString(10, callbackEvents);
        insert.setString(11, pool);
        insert.setString(12, owner);
    }

    /** What the dispatcher needs to run this task. */
    public DueTask toDueTask() {
        return new DueTask(
                id(),
                handler,
                args,
                priority,
                runAt,
                timeout().orElse(null),
                pool,
                createdAt,
                callbackUrl == null ? Set.of() : callbackEvents());
    }
}
