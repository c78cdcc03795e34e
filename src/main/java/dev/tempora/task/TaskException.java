package dev.tempora.task;

import dev.tempora.support.StorableText;

/**
 * Why a task FAILED: the exception its handler threw (or {@code TimeoutException}), as it can be
 * stored: capped to its columns, and {@link StorableText storable} on every database.
 */
public record TaskException(String type, String message, String stackTrace) {

    static final int MAX_TYPE = 500;

    /** Stack traces are capped so that a deep recursion cannot bloat the task row. */
    static final int MAX_TRACE = 65_536;

    static final int MAX_MESSAGE = 10_000;

    public TaskException {
        type = storable(type, MAX_TYPE);
        message = storable(message, MAX_MESSAGE);
        stackTrace = storable(stackTrace, MAX_TRACE);
    }

    private static String storable(String text, int max) {
        return StorableText.of(text == null || text.length() <= max ? text : text.substring(0, max));
    }
}
