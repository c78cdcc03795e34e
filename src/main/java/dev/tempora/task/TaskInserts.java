package dev.tempora.task;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes new tasks and their labels as two JDBC batches. Submitting is the busiest write of all,
 * and a plain batch insert costs a fraction of what persisting the same entities through JPA does
 * (no persistence context, no dirty checking, no copies of every value).
 */
@Component
class TaskInserts {

    static final String COLUMNS =
            "id, handler, args, priority, run_at, created_at, state, timeout_ms, callback_url, callback_events, pool, owner";

    private static final String INSERT_TASK =
            "insert into task (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_LABEL =
            "insert into task_label (task_id, label_key, label_value) values (?, ?, ?)";

    private final JdbcTemplate jdbc;

    TaskInserts(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts {@code tasks}, in the caller's transaction. */
    void insert(List<Task> tasks) {
        jdbc.batchUpdate(INSERT_TASK, tasks, tasks.size(), (insert, task) -> task.bindInsert(insert));
        var labels = new ArrayList<Label>();
        for (var task : tasks) {
            task.labels().forEach((key, value) -> labels.add(new Label(task.getId(), key, value)));
        }
        if (!labels.isEmpty()) {
            jdbc.batchUpdate(INSERT_LABEL, labels, labels.size(), TaskInserts::bindLabel);
        }
    }

    private record Label(UUID taskId, String key, String value) {}

    private static void bindLabel(PreparedStatement insert, Label label) throws SQLException {
        insert.setObject(1, label.taskId());
        insert.setString(2, label.key());
        insert.setString(3, label.value());
    }
}
