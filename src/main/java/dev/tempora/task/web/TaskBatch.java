package dev.tempora.task.web;

import java.util.List;

/** The tasks a batch submission stored, in the order they were given. */
record TaskBatch(List<TaskView> items) {}
