package dev.tempora.task;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;
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

    /** Ids per {@code in (...)} list: well under every database's limit on bind parameters. */
    private static final int CHUNK = 500;

    private final JdbcClient jdbc;

    TaskLookup(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The tasks of {@code ids} that exist, with their labels, in no particular order. */
    public List<Task> findAll(Collection<TaskId> ids) {
        var all = ids.stream().map(TaskId::value).distinct().toList();
        var found = new ArrayList<Task>(all.size());
        for (int from = 0; from < all.size(); from += CHUNK) {
            var chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
            var byId = new HashMap<UUID, Task>();
            jdbc.sql("select " + COLUMNS + " from task where id in (:ids)")
                    .param("ids", chunk)
                    .query(Task::fromRow)
                    .list()
                    .forEach(task -> byId.put(task.getId(), task));
            if (byId.isEmpty()) {
                continue;
            }
            jdbc.sql("select task_id, label_key, label_value from task_label where task_id in (:ids)"
                            + " order by task_id, label_key")
                    .param("ids", List.copyOf(byId.keySet()))
                    .query(row -> {
                        var task = byId.get(row.getObject("task_id", UUID.class));
                        if (task != null) {
                            task.label(row.getString("label_key"), row.getString("label_value"));
                        }
                    });
            found.addAll(byId.values());
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
