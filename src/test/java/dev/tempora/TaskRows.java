package dev.tempora;

import java.time.OffsetDateTime;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Task rows written straight into the table, as another instance's submissions would be: for the loader. */
public final class TaskRows {

    private TaskRows() {}

    /** A SCHEDULED {@code echo} task of {@code pool}, reserved by nobody, due at {@code runAt}. */
    public static UUID insertEcho(JdbcClient jdbc, String pool, OffsetDateTime runAt) {
        return insertEcho(jdbc, pool, runAt, 0);
    }

    /** {@link #insertEcho(JdbcClient, String, OffsetDateTime)} with {@code priority}. */
    public static UUID insertEcho(JdbcClient jdbc, String pool, OffsetDateTime runAt, int priority) {
        var id = UUID.randomUUID();
        jdbc.sql("insert into task (id, handler, priority, run_at, created_at, state, attempts, pool)"
                        + " values (:id, 'echo', :priority, :runAt, :runAt, 'SCHEDULED', 0, :pool)")
                .param("id", id)
                .param("priority", priority)
                .param("runAt", runAt)
                .param("pool", pool)
                .update();
        return id;
    }

    /** {@code count} SCHEDULED {@code sleep} tasks of {@code seconds} each on {@code pool}, reserved by nobody. */
    public static void insertSleeps(JdbcClient jdbc, String pool, int count, double seconds, OffsetDateTime runAt) {
        for (int i = 0; i < count; i++) {
            jdbc.sql("insert into task (id, handler, args, priority, run_at, created_at, state, attempts, pool)"
                            + " values (:id, 'sleep', :args, 0, :runAt, :runAt, 'SCHEDULED', 0, :pool)")
                    .param("id", UUID.randomUUID())
                    .param("args", "{\"seconds\": " + seconds + "}")
                    .param("runAt", runAt)
                    .param("pool", pool)
                    .update();
        }
    }
}
