package dev.tempora.task;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A validated submission.
 *
 * @param argsJson the handler's arguments as JSON text ({@code null} for JSON null)
 * @param delay run this long after submission; {@code null} when {@code runAt} is given or neither
 * @param runAt run at this instant; {@code null} when {@code delay} is given or neither
 * @param timeout {@code null} for the configured default
 */
public record NewTask(
        String handler,
        String argsJson,
        Duration delay,
        Instant runAt,
        int priority,
        Duration timeout,
        URI callbackUrl,
        String pool,
        Map<String, String> labels) {

    public NewTask {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** When the task is due, given the submission instant: sched's {@code enter} or {@code enterabs}. */
    Instant dueAt(Instant now) {
        if (runAt != null) {
            return runAt;
        }
        return delay == null ? now : now.plus(delay);
    }
}
