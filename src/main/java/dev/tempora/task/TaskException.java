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
        type = StorableText.of(type, MAX_TYPE);
        message = StorableText.of(message, MAX_MESSAGE);
        stackTrace = StorableText.of(stackTrace, MAX_TRACE);
    }
}
