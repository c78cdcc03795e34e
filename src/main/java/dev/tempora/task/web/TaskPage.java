package dev.tempora.task.web;

import java.util.List;

/** One page of tasks, newest first; {@code nextCursor} fetches the next, or is null at the end. */
record TaskPage(List<TaskView> items, String nextCursor) {}
