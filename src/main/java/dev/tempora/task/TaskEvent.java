package dev.tempora.task;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The events a task's callback can hear of, each the arrival in one state. */
public enum TaskEvent {
    STARTED("task.started", TaskState.RUNNING),
    SUCCEEDED("task.succeeded", TaskState.SUCCEEDED),
    FAILED("task.failed", TaskState.FAILED),
    CANCELLED("task.cancelled", TaskState.CANCELLED);

    /** What a callback hears of when the task names no {@code callbackEvents}: its end. */
    public static final Set<TaskEvent> DEFAULT = EnumSet.of(SUCCEEDED, FAILED, CANCELLED);

    private final String type;
    private final TaskState state;

    TaskEvent(String type, TaskState state) {
        this.type = type;
        this.state = state;
    }

    /** As written on the wire: {@code task.succeeded}. */
    public String type() {
        return type;
    }

    public static Optional<TaskEvent> ofType(String type) {
        return Arrays.stream(values()).filter(event -> event.type.equals(type)).findFirst();
    }

    /** The event of arriving in {@code state}, if there is one. */
    public static Optional<TaskEvent> of(TaskState state) {
        return Arrays.stream(values()).filter(event -> event.state == state).findFirst();
    }

    /** Stored form: the types, comma-separated; null for {@link #DEFAULT}. */
    static String store(Set<TaskEvent> events) {
        return events == null || events.equals(DEFAULT)
                ? null
                : events.stream().map(TaskEvent::type).sorted().collect(Collectors.joining(","));
    }

    static Set<TaskEvent> load(String stored) {
        if (stored == null || stored.isBlank()) {
            return DEFAULT;
        }
        var events = EnumSet.noneOf(TaskEvent.class);
        for (var type : stored.split(",")) {
            ofType(type.strip()).ifPresent(events::add);
        }
        return events;
    }
}
