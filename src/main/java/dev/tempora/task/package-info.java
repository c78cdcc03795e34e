/**
 * Tasks: the task, its states and their one transition table, its storage, and its web API in
 * {@code task.web}.
 */
package dev.tempora.task;
