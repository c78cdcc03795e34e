package dev.tempora.task.web;

import dev.tempora.support.Timestamps;
import dev.tempora.task.Task;
import dev.tempora.task.TaskEvent;
import dev.tempora.task.TaskState;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The task resource: a task read like a {@code Future}; also the {@code data} of webhook events. */
@Schema(name = "Task", description = "A task, read like a Future")
public record TaskView(
        @Schema(example = "019ab0c4-5e2f-7a31-9c1d-2f4b6e8a0c12")
        String id,

        @Schema(example = "sleep") String handler,

        @Schema(description = "The handler's arguments, any JSON", example = "{\"seconds\": 2, \"result\": \"hi\"}")
        JsonNode args,

        @Schema(example = "0") int priority,
        @Schema(example = "2026-11-22T10:00:05.000Z") String runAt,
        @Schema(example = "2026-11-22T10:00:00.000Z") String createdAt,
        TaskState state,
        boolean running,
        boolean done,
        boolean cancelled,

        @Schema(description = "The handler's return value when SUCCEEDED, any JSON")
        JsonNode result,

        ExceptionView exception,
        String startedAt,
        String finishedAt,
        @Schema(description = "Executions started") int attempts,
        @Schema(example = "PT30S") String timeout,

        @Schema(example = "https://example.org/hooks/tempora")
        String callbackUrl,

        @Schema(description = "What callbackUrl hears of", example = "[\"task.failed\", \"task.succeeded\"]")
        List<String> callbackEvents,

        @Schema(example = "default") String pool,
        @Schema(example = "{\"team\": \"billing\"}") Map<String, String> labels) {

    /** Why a task FAILED. */
    @Schema(name = "TaskException")
    public record ExceptionView(
            @Schema(example = "TimeoutException") String type, String message, String stackTrace) {}

    public static TaskView of(Task task, Instant now, ObjectMapper json) {
        var state = task.stateAt(now);
        return new TaskView(
                task.id().toString(),
                task.handler(),
                parse(task.argsJson(), json),
                task.priority(),
                Timestamps.format(task.runAt()),
                Timestamps.format(task.createdAt()),
                state,
                state == TaskState.RUNNING,
                state.isDone(),
                state == TaskState.CANCELLED,
                parse(task.resultJson(), json),
                task.exception()
                        .map(e -> new ExceptionView(e.type(), e.message(), e.stackTrace()))
                        .orElse(null),
                task.startedAt().map(Timestamps::format).orElse(null),
                task.finishedAt().map(Timestamps::format).orElse(null),
                task.attempts(),
                task.timeout().map(Object::toString).orElse(null),
                task.callbackUrl().orElse(null),
                task.callbackUrl().isEmpty()
                        ? null
                        : task.callbackEvents().stream()
                                .map(TaskEvent::type)
                                .sorted()
                                .toList(),
                task.pool(),
                // By name, as callbackEvents by type: the order sent is not kept (the 201 had it, a
                // later read the database's).
                new TreeMap<>(task.labels()));
    }

    static JsonNode parse(String jsonText, ObjectMapper json) {
        return jsonText == null ? null : json.readTree(jsonText);
    }
}
