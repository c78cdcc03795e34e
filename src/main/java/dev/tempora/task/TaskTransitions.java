package dev.tempora.task;

import static dev.tempora.task.TaskState.CANCELLED;
import static dev.tempora.task.TaskState.FAILED;
import static dev.tempora.task.TaskState.RUNNING;
import static dev.tempora.task.TaskState.SCHEDULED;
import static dev.tempora.task.TaskState.SUCCEEDED;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Every stored state change of a task, each a guarded update: it applies only while the row is in
 * one of the states {@link TaskState} allows to precede the target, and reports whether it did.
 * Concurrent attempts (a cancel racing a start, a timeout racing a finish) thus have exactly one
 * winner, decided by the database.
 */
@Component
public class TaskTransitions {

    private final JdbcClient jdbc;

    TaskTransitions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** SCHEDULED to RUNNING: claims the task for {@code owner} and counts the attempt. */
    public boolean start(TaskId id, Instant now, String owner) {
        return update(
                id,
                RUNNING,
                EnumSet.of(SCHEDULED),
                "attempts = attempts + 1, started_at = :now, finished_at = null, owner = :owner",
                Map.of("now", utc(now), "owner", owner));
    }

    /** RUNNING to SUCCEEDED with the handler's result (JSON text, or null). */
    public boolean succeed(TaskId id, String resultJson, Instant now) {
        var params = new HashMap<String, Object>();
        params.put("now", utc(now));
        params.put("result", resultJson);
        return update(id, SUCCEEDED, EnumSet.of(RUNNING), "result = :result, finished_at = :now, owner = null", params);
    }

    /** RUNNING to FAILED with what the handler threw. */
    public boolean fail(TaskId id, TaskException exception, Instant now) {
        var params = new HashMap<String, Object>();
        params.put("now", utc(now));
        params.put("type", exception.type());
        params.put("message", exception.message());
        params.put("trace", exception.stackTrace());
        return update(
                id,
                FAILED,
                EnumSet.of(RUNNING),
                "exception_type = :type, exception_message = :message, exception_trace = :trace,"
                        + " finished_at = :now, owner = null",
                params);
    }

    /**
     * To CANCELLED, from SCHEDULED only, or also from RUNNING when {@code evenIfRunning}
     * ({@code Future.cancel(mayInterruptIfRunning)}).
     */
    public boolean cancel(TaskId id, boolean evenIfRunning, Instant now) {
        var from = evenIfRunning ? EnumSet.of(SCHEDULED, RUNNING) : EnumSet.of(SCHEDULED);
        return update(id, CANCELLED, from, "finished_at = :now, owner = null", Map.of("now", utc(now)));
    }

    /** RUNNING back to SCHEDULED, to run again: its run was interrupted by a shutdown. */
    public boolean release(TaskId id) {
        return update(id, SCHEDULED, EnumSet.of(RUNNING), "owner = null", Map.of());
    }

    /**
     * Every RUNNING task back to SCHEDULED: at start-up of a single instance, a task still RUNNING
     * was running when the process died, and runs again (at-least-once).
     *
     * @return how many tasks were recovered
     */
    public int recoverAll() {
        return jdbc.sql("update task set state = :to, owner = null where state = :from")
                .param("to", checked(EnumSet.of(RUNNING), SCHEDULED))
                .param("from", RUNNING.name())
                .update();
    }

    private boolean update(TaskId id, TaskState to, Set<TaskState> from, String assignments, Map<String, ?> params) {
        var sql = "update task set state = :to, " + assignments + " where id = :id and state in (:from)";
        return jdbc.sql(sql)
                        .params(params)
                        .param("to", checked(from, to))
                        .param("id", id.value())
                        .param("from", from.stream().map(Enum::name).collect(Collectors.toList()))
                        .update()
                == 1;
    }

    /** Enforces the transition table in Java too: a transition it does not allow is a bug here. */
    private static String checked(Set<TaskState> from, TaskState to) {
        for (var state : from) {
            if (!state.canBecome(to)) {
                throw new IllegalStateException(state + " may not become " + to);
            }
        }
        return to.name();
    }

    static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
