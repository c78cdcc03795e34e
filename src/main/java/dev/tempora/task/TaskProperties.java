package dev.tempora.task;

import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code tempora.tasks.*}.
 *
 * @param defaultTimeout the timeout of tasks submitted without one; none when unset
 * @param keepFinished how long a task is kept after it ended (SUCCEEDED, FAILED or CANCELLED),
 *     then deleted with its labels and deliveries; forever when unset
 * @param cleanupInterval how often ended tasks older than {@code keepFinished} are looked for
 */
@Validated
@ConfigurationProperties("tempora.tasks")
public record TaskProperties(
        @Nullable @DurationMin(millis = 1) Duration defaultTimeout,
        @Nullable @DurationMin(millis = 1) Duration keepFinished,
        @DefaultValue("PT1M") @DurationMin(millis = 1) Duration cleanupInterval) {}
