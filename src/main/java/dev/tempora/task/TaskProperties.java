package dev.tempora.task;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code tempora.tasks.*}.
 *
 * @param defaultTimeout the timeout of tasks submitted without one; none when unset
 */
@ConfigurationProperties("tempora.tasks")
public record TaskProperties(Duration defaultTimeout) {}
