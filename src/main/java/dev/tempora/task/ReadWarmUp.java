package dev.tempora.task;

import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Reads a task that does not exist once, as the application has started: the first read of a
 * task through JPA loaded and compiled Hibernate's query machinery, so the first {@code GET} or
 * cancel after a start took 1.5 to 2 s (several seconds on a loaded machine) where the next took
 * milliseconds. On a thread of its own: made before the dispatcher starts, it held back every
 * task overdue at a restart by as long. (So the image's AOT cache, whose training run ends with
 * the context's refresh, does not hold those classes.)
 */
@Component
class ReadWarmUp {

    private static final Logger log = LoggerFactory.getLogger(ReadWarmUp.class);

    private static final TaskId NONE = new TaskId(new UUID(0, 0));

    private final TaskService tasks;

    ReadWarmUp(TaskService tasks) {
        this.tasks = tasks;
    }

    @EventListener(ApplicationStartedEvent.class)
    void started() {
        Thread.ofPlatform().name("tempora-read-warm-up").daemon(true).start(() -> {
            try {
                tasks.find(NONE);
            } catch (RuntimeException failed) {
                // Only a head start (the database away, the application closing): the first request
                // does the same, or fails as it must.
                log.debug("Warming up the task reads failed: {}", failed.toString());
            }
        });
    }
}
