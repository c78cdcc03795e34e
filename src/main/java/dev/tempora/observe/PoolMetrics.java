package dev.tempora.observe;

import dev.tempora.dispatch.WorkerPool;
import dev.tempora.dispatch.WorkerPools;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.ToDoubleFunction;
import org.springframework.stereotype.Component;

/**
 * Each worker pool's executor, under the names Micrometer's {@code ExecutorServiceMetrics} uses
 * ({@code executor.active}, {@code executor.queued}, ...; tag {@code name} = the pool), so
 * executor dashboards work unchanged. Read through {@link WorkerPool#status()}, because a pool
 * replaces its executor when the dispatcher restarts.
 */
@Component
class PoolMetrics {

    PoolMetrics(WorkerPools pools, MeterRegistry registry) {
        for (var pool : pools.all()) {
            var tags = Tags.of("name", pool.name());
            gauge(
                    registry,
                    "executor.pool.size",
                    "The pool's configured worker threads",
                    tags,
                    pool,
                    p -> p.status().size());
            gauge(
                    registry,
                    "executor.pool.core",
                    "Core threads of the pool",
                    tags,
                    pool,
                    p -> p.status().size());
            gauge(
                    registry,
                    "executor.pool.max",
                    "Maximum threads of the pool",
                    tags,
                    pool,
                    p -> p.status().size());
            gauge(
                    registry,
                    "executor.active",
                    "Workers running a task",
                    tags,
                    pool,
                    p -> p.status().activeThreads());
            gauge(
                    registry,
                    "executor.queued",
                    "Due tasks waiting for a worker",
                    tags,
                    pool,
                    p -> p.status().queued());
            FunctionCounter.builder("executor.completed", pool, p -> p.status().completedTasks())
                    .description("Tasks the pool's workers have completed (since the dispatcher started)")
                    .tags(tags)
                    .baseUnit("tasks")
                    .register(registry);
        }
    }

    private static void gauge(
            MeterRegistry registry,
            String name,
            String description,
            Tags tags,
            WorkerPool pool,
            ToDoubleFunction<WorkerPool> value) {
        Gauge.builder(name, pool, value)
                .description(description)
                .tags(tags)
                .baseUnit(name.equals("executor.queued") ? "tasks" : "threads")
                .register(registry);
    }
}
