package dev.tempora.task;

/** Why a task FAILED: the exception its handler threw (or {@code TimeoutException}). */
public record TaskException(String type, String message, String stackTrace) {

    /** Stack traces are capped so that a deep recursion cannot bloat the task row. */
    static final int MAX_TRACE = 65_536;

    static final int MAX_MESSAGE = 10_000;

    public TaskException {
        message = cap(message, MAX_MESSAGE);
        stackTrace = cap(stackTrace, MAX_TRACE);
    }

    private static String cap(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }
}
