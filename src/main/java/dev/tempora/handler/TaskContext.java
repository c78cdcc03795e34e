package dev.tempora.handler;

import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * What a handler gets to run one task.
 *
 * @param taskId the task's id
 * @param args the task's arguments (a {@code NullNode} when none were given)
 * @param timeout the task's timeout, if it has one
 */
public record TaskContext(String taskId, JsonNode args, Optional<Duration> timeout) {}
