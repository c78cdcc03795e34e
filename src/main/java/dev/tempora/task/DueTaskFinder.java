package dev.tempora.task;

import dev.tempora.support.Timestamps;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Reserves SCHEDULED tasks for the dispatcher's loader, in sched order (index {@code task_due}):
 * the task's owner becomes the loading node, so that instances sharing a database load disjoint
 * work. On PostgreSQL the reservation is one statement that skips rows other nodes are reserving
 * at that moment ({@code for update skip locked}), so loaders never wait on each other.
 *
 * <p>A task reserved by a node that has left the node list (it stopped, or was found dead) is free
 * again: its reservation counts as none. So no index on {@code owner} is needed to find such
 * reservations, and a reservation changes no indexed column (on PostgreSQL, a heap-only update).
 */
@Component
public class DueTaskFinder {

    /** Not reserved by a node that is still there. */
    private static final String UNRESERVED = "(owner is null or owner not in (select id from tempora_node))";

    private static final String COLUMNS =
            "id, handler, args, priority, run_at, timeout_ms, pool, created_at, callback_url, callback_events";

    private final JdbcClient jdbc;
    private final DatabaseProduct database;

    DueTaskFinder(JdbcClient jdbc, DatabaseProduct database) {
        this.jdbc = jdbc;
        this.database = database;
    }

    /** Which pools' tasks a reservation takes: all, one, some, or all but some. */
    public record Pools(String condition, Map<String, Object> params) {

        public static final Pools ALL = new Pools("", Map.of());

        public static Pools only(String pool) {
            return new Pools(" and pool = :pool", Map.of("pool", pool));
        }

        public static Pools among(Collection<String> pools) {
            return new Pools(" and pool in (:pools)", Map.of("pools", List.copyOf(pools)));
        }

        public static Pools except(Collection<String> pools) {
            return pools.isEmpty() ? ALL : new Pools(" and pool not in (:pools)", Map.of("pools", List.copyOf(pools)));
        }
    }

    /**
     * Reserves for {@code owner} at most {@code limit} unreserved SCHEDULED tasks of {@code pools}
     * due before {@code horizon}, the earliest first, and returns them in sched order.
     */
    public List<DueTask> reserveDue(Instant horizon, int limit, String owner, Pools pools) {
        return database.isPostgres()
                ? reserveSkippingLocked(horizon, limit, owner, pools)
                : reserve(horizon, limit, owner, pools);
    }

    private List<DueTask> reserveSkippingLocked(Instant horizon, int limit, String owner, Pools pools) {
        var reserved = new ArrayList<>(jdbc.sql("update task set owner = :owner where id in (select id from task"
                        + " where state = 'SCHEDULED' and run_at < :horizon and " + UNRESERVED + pools.condition()
                        + " order by run_at, priority, id limit :limit for update skip locked) returning " + COLUMNS)
                .param("owner", owner)
                .param("horizon", Timestamps.utc(horizon))
                .param("limit", limit)
                .params(pools.params())
                .query(DueTaskFinder::dueTask)
                .list());
        reserved.sort(DueTask.SCHED_ORDER);
        return reserved;
    }

    /**
     * H2's query for the earliest unreserved due tasks. {@code state} leads the {@code order by} as
     * it leads {@code task_due}: without it H2 read every due task and sorted them for each batch,
     * so a backlog of a million took a million rows a batch.
     */
    static String dueSql(Pools pools) {
        return "select " + COLUMNS + " from task where state = 'SCHEDULED' and run_at < :horizon"
                + " and " + UNRESERVED + pools.condition()
                + " order by state, run_at, priority, id fetch first :limit rows only";
    }

    private List<DueTask> reserve(Instant horizon, int limit, String owner, Pools pools) {
        var found = jdbc.sql(dueSql(pools))
                .param("horizon", Timestamps.utc(horizon))
                .param("limit", limit)
                .params(pools.params())
                .query(DueTaskFinder::dueTask)
                .list();
        if (!found.isEmpty()) {
            // H2 serves one process: nobody else reserves, so the guard only skips tasks that ended meanwhile.
            jdbc.sql("update task set owner = :owner where id in (:ids) and " + UNRESERVED)
                    .param("owner", owner)
                    .param("ids", found.stream().map(task -> task.id().value()).toList())
                    .update();
        }
        return found;
    }

    /**
     * The SCHEDULED tasks due before {@code horizon} that are reserved for {@code owner}, in sched
     * order: after a reservation whose answer was lost, what it may have committed.
     */
    public List<DueTask> reservedFor(String owner, Instant horizon) {
        return jdbc.sql("select " + COLUMNS + " from task where state = 'SCHEDULED' and run_at < :horizon"
                        + " and owner = :owner order by state, run_at, priority, id")
                .param("horizon", Timestamps.utc(horizon))
                .param("owner", owner)
                .query(DueTaskFinder::dueTask)
                .list();
    }

    private static DueTask dueTask(ResultSet row, int number) throws SQLException {
        var timeoutMs = row.getObject("timeout_ms", Long.class);
        return new DueTask(
                new TaskId(row.getObject("id", UUID.class)),
                row.getString("handler"),
                row.getString("args"),
                row.getInt("priority"),
                row.getObject("run_at", OffsetDateTime.class).toInstant(),
                timeoutMs == null ? null : Duration.ofMillis(timeoutMs),
                row.getString("pool"),
                row.getObject("created_at", OffsetDateTime.class).toInstant(),
                row.getString("callback_url") == null ? Set.of() : TaskEvent.load(row.getString("callback_events")));
    }
}
