package dev.tempora.webhook;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code tempora.webhooks.*}.
 *
 * @param secret the signing secret, {@code whsec_} + base64(key); when unset, one is generated
 *     once, stored in the database, kept across restarts, and printed in the log
 * @param previousSecret during a rotation, the older secret: deliveries carry both signatures
 * @param timeout how long one attempt may take, from connecting to the answer's status line and
 *     headers (a 2xx within it is success); of the body, what comes within it is kept, up to 1 KiB
 * @param retrySchedule the waits before each retry after a failed attempt; after the last, the
 *     delivery is FAILED
 * @param jitter each wait is varied at random by up to this fraction (at least 0, less than 1), so
 *     retries of many deliveries to one receiver spread out
 * @param maxRetryAfter the longest wait a receiver's {@code Retry-After} (on 429 or 503) can ask
 *     for in place of a shorter one of the schedule (it cannot ask for a shorter one); at least a
 *     second
 * @param maxInFlight attempts in flight at once, over all receivers
 * @param maxInFlightPerReceiver attempts in flight at once to one receiver (scheme, host and port),
 *     so that one that hangs leaves the other places to the others
 * @param loadInterval how often pending deliveries are looked for in the database (after a
 *     restart, or scheduled by another instance)
 */
@Validated
@ConfigurationProperties("tempora.webhooks")
public record WebhookProperties(
        @Pattern(regexp = SECRET, message = SECRET_MESSAGE) String secret,
        @Pattern(regexp = SECRET, message = SECRET_MESSAGE) String previousSecret,
        @DefaultValue("PT10S") @DurationMin(millis = 1) Duration timeout,

        @DefaultValue({"PT5S", "PT5M", "PT30M", "PT2H", "PT5H", "PT10H", "PT10H"})
        List<@DurationMin(millis = 1) Duration> retrySchedule,

        @DefaultValue("0.1") @DecimalMin("0") @DecimalMax(value = "1", inclusive = false)
        double jitter,

        @DefaultValue("PT1H") @DurationMin(seconds = 1) Duration maxRetryAfter,

        @DefaultValue("256") @Min(1) int maxInFlight,
        @DefaultValue("128") @Min(1) int maxInFlightPerReceiver,
        @DefaultValue("PT5S") @DurationMin(millis = 1) Duration loadInterval) {

    /**
     * A non-empty standard base64 key (padding optional), after {@code whsec_} as documented or
     * without it as the Standard Webhooks library also takes it, or blank (unset): checked when
     * bound, so that a malformed one stops the start with the report naming it, rather than with
     * the signer's exception deep in a stack trace.
     */
    static final String SECRET = "\\s*((?:whsec_)?(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{2}(?:==)?"
            + "|[A-Za-z0-9+/]{3}=?))?\\s*";

    static final String SECRET_MESSAGE = "must be whsec_ followed by a base64 key";

    public WebhookProperties {
        retrySchedule = List.copyOf(retrySchedule);
    }
}
