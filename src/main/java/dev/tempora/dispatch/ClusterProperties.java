package dev.tempora.dispatch;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code tempora.cluster.*}: many instances on one database.
 *
 * @param heartbeatInterval how often this instance renews its row in {@code tempora_node}, and
 *     looks for dead instances
 * @param nodeTimeout an instance whose heartbeat is older than this, by the database's clock, is
 *     dead: its running tasks run again elsewhere. Failover takes about this plus one heartbeat
 * @param watchInterval how often this instance checks whether tasks it runs were cancelled, and
 *     tasks awaited by long polls here ended, on another instance
 */
@ConfigurationProperties("tempora.cluster")
public record ClusterProperties(
        @DefaultValue("PT2S") Duration heartbeatInterval,
        @DefaultValue("PT10S") Duration nodeTimeout,
        @DefaultValue("PT0.25S") Duration watchInterval) {}
