package dev.tempora.task;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Reads SCHEDULED tasks in sched order for the dispatcher's loader (index {@code task_due}). */
@Component
public class DueTaskFinder {

    private static final String COLUMNS =
            "select id, handler, args, priority, run_at, timeout_ms, pool, created_at, callback_url from task";

    private final JdbcClient jdbc;

    DueTaskFinder(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * SCHEDULED tasks due before {@code horizon} that come after {@code after} in sched order (all
     * of them when {@code after} is null), at most {@code limit}, in sched order.
     */
    public List<DueTask> findDue(Instant horizon, DueTask after, int limit) {
        var sql = COLUMNS + " where state = 'SCHEDULED' and run_at < :horizon"
                + (after == null
                        ? ""
                        : " and (run_at > :afterRunAt or (run_at = :afterRunAt and (priority > :afterPriority"
                                + " or (priority = :afterPriority and id > :afterId))))")
                + " order by run_at, priority, id fetch first :limit rows only";
        var query = jdbc.sql(sql).param("horizon", TaskTransitions.utc(horizon)).param("limit", limit);
        if (after != null) {
            query = query.param("afterRunAt", TaskTransitions.utc(after.runAt()))
                    .param("afterPriority", after.priority())
                    .param("afterId", after.id().value());
        }
        return query.query((row, number) -> {
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
                            row.getString("callback_url") != null);
                })
                .list();
    }
}
