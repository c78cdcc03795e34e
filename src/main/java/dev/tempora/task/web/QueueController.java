package dev.tempora.task.web;

import dev.tempora.task.TaskService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.ObjectMapper;

/** {@code sched.scheduler.queue}: what has not started, in the order it would start. */
@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Tasks")
class QueueController {

    private final TaskService tasks;
    private final ObjectMapper json;

    QueueController(TaskService tasks, ObjectMapper json) {
        this.tasks = tasks;
        this.json = json;
    }

    record Queue(List<TaskView> items) {}

    @GetMapping("/queue")
    @Operation(summary = "Tasks not yet started, in run order: QUEUED (backlog rule), then SCHEDULED (sched rule)")
    Queue queue(
            @Parameter(
                            description = "1 to 1000, default 100",
                            schema = @Schema(type = "integer", minimum = "1", maximum = "1000", defaultValue = "100"))
                    @RequestParam(required = false)
                    Integer limit) {
        var queue = tasks.queue(TaskController.limit(limit, 100, 1000));
        return new Queue(queue.tasks().stream()
                .map(task -> TaskView.of(task, queue.at(), json))
                .toList());
    }
}
