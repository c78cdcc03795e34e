package dev.tempora.webhook;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code tempora.webhooks.*}.
 *
 * @param secret the signing secret, {@code whsec_} + base64(key); when unset, one is generated
 *     once, stored in the database, kept across restarts, and printed in the log
 * @param previousSecret during a rotation, the older secret: deliveries carry both signatures
 * @param timeout how long one attempt may take, connect to last byte; a 2xx within it is success
 * @param retrySchedule the waits before each retry after a failed attempt; after the last, the
 *     delivery is FAILED
 * @param jitter each wait is varied at random by up to this fraction, so retries of many
 *     deliveries to one receiver spread out
 * @param maxRetryAfter the longest wait a receiver's {@code Retry-After} (on 429 or 503) can ask for
 * @param maxInFlight attempts in flight at once, over all receivers
 * @param loadInterval how often pending deliveries are looked for in the database (after a
 *     restart, or scheduled by another instance)
 */
@ConfigurationProperties("tempora.webhooks")
public record WebhookProperties(
        String secret,
        String previousSecret,
        @DefaultValue("PT10S") Duration timeout,

        @DefaultValue({"PT5S", "PT5M", "PT30M", "PT2H", "PT5H", "PT10H", "PT10H"})
        List<Duration> retrySchedule,

        @DefaultValue("0.1") double jitter,
        @DefaultValue("PT1H") Duration maxRetryAfter,
        @DefaultValue("256") int maxInFlight,
        @DefaultValue("PT5S") Duration loadInterval) {

    public WebhookProperties {
        retrySchedule = List.copyOf(retrySchedule);
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("tempora.webhooks.jitter must be in [0, 1)");
        }
    }
}
