package dev.tempora.task;

import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Reads a task that does not exist once, as the application starts: the first read of a task
 * through JPA loaded and compiled Hibernate's query machinery, so the first {@code GET} or cancel
 * after a start took 1.5 to 2 s (several seconds on a loaded machine) where the next took
 * milliseconds. On a thread of its own, alongside the rest of the start: made before the
 * dispatcher starts, it held back every task overdue at a restart by as long.
 */
@Component
class ReadWarmUp implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(ReadWarmUp.class);

    private final TaskService tasks;
    private final Clock clock;

    ReadWarmUp(TaskService tasks, Clock clock) {
        this.tasks = tasks;
        this.clock = clock;
    }

    @Override
    public void afterSingletonsInstantiated() {
        Thread.ofPlatform().name("tempora-read-warm-up").daemon(true).start(() -> {
            try {
                tasks.find(TaskId.next(clock));
            } catch (RuntimeException failed) {
                // Only a head start (the database away, the application closing): the first request
                // does the same, or fails as it must.
                log.debug("Warming up the task reads failed: {}", failed.toString());
            }
        });
    }
}
