package dev.tempora.live;

import dev.tempora.support.FieldProblem;
import dev.tempora.support.InvalidRequestException;
import dev.tempora.support.Problems;
import dev.tempora.task.LabelFilter;
import dev.tempora.task.TaskId;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** {@code GET /api/v1/events}: task state changes as Server-Sent Events. */
@RestController
@Tag(name = "Events")
class EventController {

    private final TaskEventLog events;

    EventController(TaskEventLog events) {
        this.events = events;
    }

    @GetMapping(path = "/api/v1/events", produces = "text/event-stream")
    @Operation(
            summary = "Stream task state changes (Server-Sent Events), resumable with Last-Event-ID",
            description = "Each change is an event named `task` whose data is"
                    + " `{\"id\", \"state\", \"handler\", \"pool\", \"labels\", \"at\"}` and whose id resumes"
                    + " the stream. Comment lines keep an idle stream open. An event named `reset` says that"
                    + " changes were missed (a Last-Event-ID older than the buffer, or from another"
                    + " process): reload what you show. The stream ends after `tempora.events.timeout`;"
                    + " EventSource reconnects with Last-Event-ID by itself.")
    @ApiResponse(
            responseCode = "200",
            description = "The stream",
            content = @Content(mediaType = "text/event-stream", schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "400", description = "Invalid filter")
    @ApiResponse(responseCode = "503", description = "Too many streams open on this instance")
    @Parameter(
            name = "label",
            in = ParameterIn.QUERY,
            description = "key:value; only tasks with every one of these labels (repeatable)",
            example = "team:billing",
            array = @ArraySchema(schema = @Schema(type = "string")))
    SseEmitter events(
            HttpServletRequest request,
            @Parameter(description = "Only this task's changes (repeatable)") @RequestParam(required = false)
                    List<String> task,
            @Parameter(description = "Only tasks of this handler", example = "sleep") @RequestParam(required = false)
                    String handler,
            @Parameter(description = "Resume after this event id (sent by EventSource on reconnect)")
                    @RequestHeader(name = "Last-Event-ID", required = false)
                    String lastEventId,
            @Parameter(description = "Resume after this event id, for clients that cannot set headers")
                    @RequestParam(name = "lastEventId", required = false)
                    String lastEventIdParameter) {
        var filter = new EventFilter(
                tasks(task), blankToNull(handler), LabelFilter.parse(request.getParameterValues("label")));
        return events.subscribe(filter, lastEventId != null ? lastEventId : lastEventIdParameter);
    }

    @ExceptionHandler(TooManyStreams.class)
    ResponseEntity<ProblemDetail> tooMany(TooManyStreams tooMany) {
        return Problems.response(
                HttpStatus.SERVICE_UNAVAILABLE, "too-many-streams", "Too many event streams", tooMany.getMessage());
    }

    private static HashSet<TaskId> tasks(List<String> ids) {
        var tasks = new HashSet<TaskId>();
        var problems = new ArrayList<FieldProblem>();
        for (var id : ids == null ? List.<String>of() : ids) {
            TaskId.parse(id.strip())
                    .ifPresentOrElse(
                            tasks::add,
                            () -> problems.add(new FieldProblem("task", "'%s' is not a task id".formatted(id))));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return tasks;
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
