package dev.tempora.task.web;

import dev.tempora.support.FieldProblem;
import dev.tempora.support.InvalidRequestException;
import dev.tempora.support.Problems;
import dev.tempora.support.StorableText;
import dev.tempora.task.LabelFilter;
import dev.tempora.task.Task;
import dev.tempora.task.TaskCompletions;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskNotFoundException;
import dev.tempora.task.TaskQuery;
import dev.tempora.task.TaskService;
import dev.tempora.task.TaskState;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.NullNode;

/** The task resource: submit, read like a Future (with long polls), cancel, list. */
@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Tasks")
class TaskController implements DisposableBean {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 500;

    private final TaskService tasks;
    private final TaskCompletions completions;
    private final SubmitRequestParser parser;
    private final ObjectMapper json;
    private final Clock clock;
    /** Reads the task again once a long poll wakes; virtual threads, as each mostly waits on the database. */
    private final ExecutorService afterWait = Executors.newVirtualThreadPerTaskExecutor();

    TaskController(
            TaskService tasks,
            TaskCompletions completions,
            SubmitRequestParser parser,
            ObjectMapper json,
            Clock clock) {
        this.tasks = tasks;
        this.completions = completions;
        this.parser = parser;
        this.json = json;
        this.clock = clock;
    }

    @PostMapping(path = "/tasks", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Submit a task (sched enter/enterabs, threading.Timer)",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            content = @Content(schema = @Schema(implementation = SubmitTaskRequest.class))))
    @ApiResponse(
            responseCode = "201",
            description = "Stored: durable before this answer",
            headers = @Header(name = "Location", description = "/api/v1/tasks/{id}", schema = @Schema(type = "string")))
    @ApiResponse(
            responseCode = "400",
            description = "Invalid input",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(
            responseCode = "413",
            description = "Body too large",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(
            responseCode = "503",
            description = "The database is away (database-unavailable, with Retry-After), the commit's"
                    + " outcome is unknown (outcome-unknown, with taskIds: read them before submitting again;"
                    + " with Retry-After), or it is not confirmed on disk (not-durable, with taskIds: do not"
                    + " submit again)",
            content = @Content(mediaType = "application/problem+json"))
    ResponseEntity<TaskView> submit(@RequestBody JsonNode body) {
        var task = tasks.submit(parser.parse(body));
        return ResponseEntity.created(URI.create("/api/v1/tasks/" + task.id())).body(view(task));
    }

    @PostMapping(path = "/tasks/batch", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Submit up to 1,000 tasks at once, all or none (an addition to the contract)",
            description = "Body {\"tasks\": [submission, ...]}, each as POST /tasks takes it. One transaction:"
                    + " every task is stored, and durable before this answer, or none is.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            content = @Content(schema = @Schema(implementation = SubmitBatchRequest.class))))
    @ApiResponse(responseCode = "201", description = "Stored, in the order given: {\"items\": [task, ...]}")
    @ApiResponse(
            responseCode = "400",
            description = "Invalid input; each field named by its submission's place, e.g. tasks[2].delay."
                    + " Nothing is stored",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(
            responseCode = "413",
            description = "Body too large",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(
            responseCode = "503",
            description = "As for POST /tasks: database-unavailable (nothing stored), or outcome-unknown and"
                    + " not-durable with every task's id in taskIds",
            content = @Content(mediaType = "application/problem+json"))
    ResponseEntity<TaskBatch> submitBatch(@RequestBody JsonNode body) {
        var created = tasks.submitAll(parser.parseBatch(body));
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(new TaskBatch(created.stream().map(this::view).toList()));
    }

    /** Any segment but {@code batch}: that path is the batch submission's, which takes POST only. */
    @GetMapping("/tasks/{id:(?!batch$).+}")
    @Operation(summary = "Read a task's state, optionally waiting until it is done (long poll)")
    @ApiResponse(responseCode = "200", description = "The task")
    @ApiResponse(
            responseCode = "404",
            description = "No such task",
            content = @Content(mediaType = "application/problem+json"))
    CompletableFuture<TaskView> get(
            @PathVariable String id,
            @Parameter(description = "Answer once the task is done or after this long, at most 60 s", example = "PT30S")
                    @RequestParam(required = false)
                    String wait) {
        return whenDoneOrWaited(parse(id), Waits.parse(wait)).thenApply(this::view);
    }

    @GetMapping("/tasks/{id}/result")
    @Operation(summary = "Future.result(timeout): the result value, or why there is none")
    @ApiResponse(
            responseCode = "200",
            description = "SUCCEEDED: the result value itself, any JSON",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(ref = "#/components/schemas/JsonNode")))
    @ApiResponse(
            responseCode = "202",
            description = "Not done when the wait ended: the task, with Retry-After",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = TaskView.class)),
            headers =
                    @Header(
                            name = "Retry-After",
                            description = "Seconds until runAt, rounded up, 1 to 60",
                            schema = @Schema(type = "integer")))
    @ApiResponse(
            responseCode = "409",
            description = "FAILED (with exception) or CANCELLED",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(
            responseCode = "404",
            description = "No such task",
            content = @Content(mediaType = "application/problem+json"))
    CompletableFuture<ResponseEntity<?>> result(
            @PathVariable String id,
            @Parameter(description = "Wait up to this long for the task to be done, at most 60 s", example = "PT10S")
                    @RequestParam(required = false)
                    String wait) {
        return whenDoneOrWaited(parse(id), Waits.parse(wait)).thenApply(this::resultOf);
    }

    @PostMapping("/tasks/{id}/cancel")
    @Operation(summary = "Future.cancel(mayInterruptIfRunning)")
    @ApiResponse(responseCode = "200", description = "Cancelled (or already was)")
    @ApiResponse(
            responseCode = "409",
            description = "Running (without mayInterruptIfRunning) or already ended",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(
            responseCode = "503",
            description = "The database is away (database-unavailable), or this instance is starting or"
                    + " stopping, or has just joined others that have not yet reported the claims of tasks they"
                    + " started ahead written, and cannot decide it (not-ready), both with Retry-After; or the"
                    + " cancel is not"
                    + " confirmed on disk (not-durable, with taskIds: it took effect); or its commit's answer"
                    + " was lost, or it was made (then with taskIds) but the task could not be read back"
                    + " (outcome-unknown: read the task before cancelling again)",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(
            responseCode = "404",
            description = "No such task",
            content = @Content(mediaType = "application/problem+json"))
    TaskView cancel(
            @PathVariable String id,
            @Parameter(
                            description = "true interrupts a running task; false (the default) leaves it running",
                            schema = @Schema(type = "boolean", defaultValue = "false"))
                    @RequestParam(required = false)
                    String mayInterruptIfRunning) {
        return view(tasks.cancel(parse(id), mayInterrupt(mayInterruptIfRunning)));
    }

    /**
     * The contract's {@code true|false}, in any case ({@code True} is how Python writes it). Spring's
     * conversion would also read {@code yes}, {@code on} and {@code 1} as true, and an empty value as
     * the default: whether a task is interrupted would hang on a guess.
     */
    private static boolean mayInterrupt(String value) {
        if (value == null || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        throw new InvalidRequestException("mayInterruptIfRunning", "must be true or false");
    }

    @GetMapping("/tasks")
    @Operation(summary = "List tasks, newest first, with keyset pagination")
    @ApiResponse(responseCode = "200", description = "A page of tasks")
    @ApiResponse(
            responseCode = "400",
            description = "Invalid filter",
            content = @Content(mediaType = "application/problem+json"))
    @Parameter(
            name = "label",
            in = ParameterIn.QUERY,
            description = "key:value (repeatable; all must match)",
            example = "team:billing",
            array = @ArraySchema(schema = @Schema(type = "string")))
    TaskPage list(
            HttpServletRequest request,
            @Parameter(
                            description = "Any of these states (repeatable)",
                            array = @ArraySchema(schema = @Schema(implementation = TaskState.class)))
                    @RequestParam(required = false)
                    List<String> state,
            @RequestParam(required = false) String handler,
            @Parameter(
                            description = "1 to 500, default 50",
                            schema = @Schema(type = "integer", minimum = "1", maximum = "500", defaultValue = "50"))
                    @RequestParam(required = false)
                    Integer limit,
            @Parameter(description = "nextCursor of the previous page") @RequestParam(required = false) String cursor) {
        if (!StorableText.storable(handler)) {
            throw new InvalidRequestException("handler", "must not contain " + StorableText.UNSTORABLE);
        }
        var query = new TaskQuery(
                states(state),
                // An empty value is not given, as a form's empty field (no handler's name is blank):
                // it filtered for tasks of a handler named "", which are none.
                handler == null || handler.isBlank() ? null : handler,
                LabelFilter.parse(request.getParameterValues("label")),
                Cursors.decode(cursor),
                limit(limit, DEFAULT_LIMIT, MAX_LIMIT));
        var found = tasks.list(query);
        var page = found.size() > query.limit() ? found.subList(0, query.limit()) : found;
        var next = found.size() > query.limit() ? Cursors.encode(page.getLast().id()) : null;
        return new TaskPage(page.stream().map(this::view).toList(), next);
    }

    private CompletableFuture<Task> whenDoneOrWaited(TaskId id, Duration wait) {
        if (wait.isZero()) {
            return CompletableFuture.completedFuture(tasks.get(id));
        }
        // Listen before reading, so that an end between the read and the wait is not missed.
        var signal = completions.whenSignalled(id, wait);
        Task task;
        try {
            task = tasks.get(id);
        } catch (RuntimeException notRead) { // not found, or the database away: nothing to wait for
            signal.complete(null);
            throw notRead;
        }
        if (task.state().isDone()) {
            signal.complete(null);
            return CompletableFuture.completedFuture(task);
        }
        return signal.thenApplyAsync(woken -> tasks.get(id), afterWait);
    }

    private ResponseEntity<?> resultOf(Task task) {
        var now = clock.instant();
        return switch (task.state()) {
            case SUCCEEDED ->
                ResponseEntity.ok(
                        task.resultJson() == null ? NullNode.getInstance() : json.readTree(task.resultJson()));
            case FAILED -> {
                var problem = Problems.problem(
                        HttpStatus.CONFLICT,
                        "task-failed",
                        "Task failed",
                        task.exception().map(e -> e.type() + ": " + e.message()).orElse("failed"));
                problem.setProperty("state", TaskState.FAILED.name());
                problem.setProperty("exception", view(task).exception());
                yield ResponseEntity.status(HttpStatus.CONFLICT)
                        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                        .body(problem);
            }
            case CANCELLED -> {
                var problem = Problems.problem(
                        HttpStatus.CONFLICT, "task-cancelled", "Task cancelled", "The task was cancelled");
                problem.setProperty("state", TaskState.CANCELLED.name());
                yield ResponseEntity.status(HttpStatus.CONFLICT)
                        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                        .body(problem);
            }
            default -> {
                // Rounded up: a client that comes back after Retry-After is never before runAt.
                var wait = Duration.between(now, task.runAt());
                long untilDue = wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0);
                yield ResponseEntity.accepted()
                        .header("Retry-After", Long.toString(Math.clamp(untilDue, 1, 60)))
                        .body(view(task));
            }
        };
    }

    private TaskView view(Task task) {
        return TaskView.of(task, clock.instant(), json);
    }

    private static TaskId parse(String id) {
        return TaskId.parse(id).orElseThrow(() -> new TaskNotFoundException(id));
    }

    private static EnumSet<TaskState> states(List<String> names) {
        var states = EnumSet.noneOf(TaskState.class);
        if (names == null) {
            return states;
        }
        var problems = new ArrayList<FieldProblem>();
        for (var name : names) {
            if (name.isBlank()) {
                continue; // "state=FAILED," is read as two values, the second empty: not given, as alone
            }
            try {
                states.add(TaskState.valueOf(name.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException unknown) {
                problems.add(new FieldProblem(
                        "state", "'%s' is not one of %s".formatted(name, List.of(TaskState.values()))));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return states;
    }

    static int limit(Integer limit, int defaultLimit, int max) {
        if (limit == null) {
            return defaultLimit;
        }
        if (limit < 1 || limit > max) {
            throw new InvalidRequestException("limit", "must be between 1 and " + max);
        }
        return limit;
    }

    @Override
    public void destroy() {
        afterWait.shutdownNow();
    }

    /** Page cursors: the last id of a page, base64url-encoded, opaque to clients. */
    static final class Cursors {
        private Cursors() {}

        static String encode(TaskId id) {
            var bytes = ByteBuffer.allocate(16)
                    .putLong(id.value().getMostSignificantBits())
                    .putLong(id.value().getLeastSignificantBits())
                    .array();
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        static TaskId decode(String cursor) {
            if (cursor == null || cursor.isBlank()) {
                return null;
            }
            try {
                var bytes = ByteBuffer.wrap(Base64.getUrlDecoder().decode(cursor));
                if (bytes.remaining() != 16) {
                    throw new IllegalArgumentException("wrong length");
                }
                return new TaskId(new UUID(bytes.getLong(), bytes.getLong()));
            } catch (IllegalArgumentException invalid) {
                throw new InvalidRequestException("cursor", "is not a cursor this service gave out");
            }
        }
    }
}
