package dev.tempora.task;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Reads tasks for other modules, in the caller's transaction if there is one. Through JDBC, not
 * JPA: the webhook outbox reads every task of a batch of transitions with a callback, and a JPA
 * session (loading, then dirty-checking each entity at the commit) cost more than the writes.
 */
@Component
public class TaskLookup {

    /** Every column of the task table ({@link Task#fromRow}). */
    static final String COLUMNS = "id, handler, args, priority, run_at, created_at, state, attempts, started_at,"
            + " finished_at, result, exception_type, exception_message, exception_trace, timeout_ms, callback_url,"
            + " callback_events, pool, owner";

    private final JdbcClient jdbc;

    TaskLookup(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The tasks of {@code ids} that exist, with their labels, in no particular order. */
    public List<Task> findAll(Collection<TaskId> ids) {
        var found = new ArrayList<Task>(ids.size());
        for (var chunk : TaskReads.chunks(ids)) {
            var tasks = jdbc.sql("select " + COLUMNS + " from task where id in (:ids)")
                    .param("ids", chunk)
                    .query(Task::fromRow)
                    .list();
            if (tasks.isEmpty()) {
                continue;
            }
            TaskReads.addLabels(jdbc, tasks);
            found.addAll(tasks);
        }
        return found;
    }

    public boolean exists(TaskId id) {
        return jdbc.sql("select count(*) from task where id = :id")
                        .param("id", id.value())
                        .query(Long.class)
                        .single()
                > 0;
    }
}
