package dev.tempora.dispatch;

import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * {@code tempora.cluster.*}: many instances on one database.
 *
 * @param heartbeatInterval how often this instance renews its row in {@code tempora_node}, and
 *     looks for dead instances
 * @param nodeTimeout this instance, its heartbeat older than this by the database's clock, is dead
 *     to the others: its running tasks run again elsewhere. Recorded in the node list, where the
 *     others read it (an instance of an earlier version judges every other by its own). Failover
 *     takes about this plus one heartbeat. Longer than {@code heartbeatInterval}, or this instance
 *     would be taken for dead while it lives
 * @param watchInterval how often this instance checks whether tasks it runs were cancelled, and
 *     tasks awaited by long polls here ended, on another instance
 */
@Validated
@ConfigurationProperties("tempora.cluster")
public record ClusterProperties(
        @DefaultValue("PT2S") @DurationMin(millis = 1) Duration heartbeatInterval,
        @DefaultValue("PT10S") @DurationMin(millis = 1) Duration nodeTimeout,
        @DefaultValue("PT0.25S") @DurationMin(millis = 1) Duration watchInterval)
        implements Validator {

    /** Spring Boot applies this when binding, after the constraints above: what spans two properties. */
    @Override
    public boolean supports(Class<?> type) {
        return type == ClusterProperties.class;
    }

    @Override
    public void validate(Object target, Errors errors) {
        var properties = (ClusterProperties) target;
        if (properties.nodeTimeout().compareTo(properties.heartbeatInterval()) <= 0) {
            errors.rejectValue("nodeTimeout", "tooShort", "must be longer than tempora.cluster.heartbeat-interval");
        }
    }
}
