package dev.tempora.dispatch.web;

import dev.tempora.dispatch.DispatchMetrics;
import dev.tempora.dispatch.PoolStatus;
import dev.tempora.dispatch.WorkerPools;
import dev.tempora.task.TaskService;
import dev.tempora.task.TaskState;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Counts by state, the pools, and recent dispatch lateness. */
@RestController
@Tag(name = "Stats")
class StatsController {

    private final TaskService tasks;
    private final WorkerPools pools;
    private final DispatchMetrics metrics;

    StatsController(TaskService tasks, WorkerPools pools, DispatchMetrics metrics) {
        this.tasks = tasks;
        this.pools = pools;
        this.metrics = metrics;
    }

    @Schema(name = "Lateness", description = "Start minus runAt, in milliseconds, over about the last minute")
    record Lateness(
            double p50,
            double p99,
            double max,

            @Schema(description = "Tasks started in that minute; with none, the percentiles are 0 and measure nothing")
            long count) {}

    record Stats(Map<TaskState, Long> tasks, List<PoolStatus> pools, Lateness lateness) {}

    @GetMapping(path = "/api/v1/stats", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Counts of tasks by state, the pools, and dispatch lateness")
    Stats stats() {
        var lateness = metrics.lateness();
        return new Stats(
                tasks.countByState(),
                pools.all().stream().map(pool -> pool.status()).toList(),
                new Lateness(lateness.p50(), lateness.p99(), lateness.max(), lateness.recent()));
    }
}
