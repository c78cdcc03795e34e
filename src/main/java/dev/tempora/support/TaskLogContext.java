package dev.tempora.support;

import org.slf4j.MDC;

/**
 * The task a log line is about, in the MDC as {@code taskId} (shown in brackets after the level),
 * for lines written on threads that are not the task's own worker: whatever the thread had there
 * before is put back after.
 */
public final class TaskLogContext {

    private TaskLogContext() {}

    /** Runs {@code logging} with {@code taskId} in the MDC. */
    public static void about(Object taskId, Runnable logging) {
        var previous = MDC.get("taskId");
        MDC.put("taskId", taskId.toString());
        try {
            logging.run();
        } finally {
            if (previous == null) {
                MDC.remove("taskId");
            } else {
                MDC.put("taskId", previous);
            }
        }
    }
}
