package dev.tempora.support;

import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code tempora.database.*}.
 *
 * @param socketTimeout on PostgreSQL, how long either end of a connection waits for the other
 *     before giving it up ({@link PostgresTimeouts}); {@code 0}: forever
 */
@Validated
@ConfigurationProperties("tempora.database")
public record DatabaseProperties(
        @DefaultValue("PT1M") @DurationMin(millis = 0) Duration socketTimeout) {}
