package dev.tempora.task;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * A validated submission.
 *
 * @param argsJson the handler's arguments as JSON text ({@code null} for JSON null)
 * @param delay run this long after submission; {@code null} when {@code runAt} is given or neither
 * @param runAt run at this instant; {@code null} when {@code delay} is given or neither
 * @param timeout {@code null} for the configured default
 * @param callbackEvents what {@code callbackUrl} hears of; {@code null} for {@link TaskEvent#DEFAULT}
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
        Map<String, String> labels,
        Set<TaskEvent> callbackEvents) {

    public NewTask {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        callbackEvents = callbackEvents == null ? TaskEvent.DEFAULT : Set.copyOf(callbackEvents);
    }

    /** A task whose callback, if any, hears of its end. */
    public NewTask(
            String handler,
            String argsJson,
            Duration delay,
            Instant runAt,
            int priority,
            Duration timeout,
            URI callbackUrl,
            String pool,
            Map<String, String> labels) {
        this(handler, argsJson, delay, runAt, priority, timeout, callbackUrl, pool, labels, null);
    }

    /** This task with {@code timeout} instead. */
    NewTask withTimeout(Duration timeout) {
        return new NewTask(
                handler, argsJson, delay, runAt, priority, timeout, callbackUrl, pool, labels, callbackEvents);
    }

    /** When the task is due, given the submission instant: sched's {@code enter} or {@code enterabs}. */
    Instant dueAt(Instant now) {
        if (runAt != null) {
            return runAt;
        }
        return delay == null ? now : now.plus(delay);
    }
}
