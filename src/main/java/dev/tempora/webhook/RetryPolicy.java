package dev.tempora.webhook;

import dev.tempora.outbound.OutboundResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.stereotype.Component;

/**
 * What follows a failed attempt: the configured schedule with jitter, or a longer wait a receiver
 * asks for with Retry-After.
 */
@Component
class RetryPolicy {

    private final WebhookProperties properties;
    private final Clock clock;

    RetryPolicy(WebhookProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * The wait before the next attempt after {@code attempts} attempts, the last of which failed
     * with {@code response} (null when no answer came); empty when no attempt is left.
     */
    Optional<Duration> nextWait(int attempts, OutboundResponse response) {
        var schedule = properties.retrySchedule();
        if (attempts > schedule.size()) {
            return Optional.empty();
        }
        double factor =
                1 + properties.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        var scheduled = Duration.ofNanos((long) (schedule.get(attempts - 1).toNanos() * factor));
        if (response != null && (response.status() == 429 || response.status() == 503)) {
            var asked = retryAfter(response.headers().get("retry-after"));
            // A receiver may ask for a longer wait, up to maxRetryAfter, but not a shorter one: one
            // answering "Retry-After: 1" to every attempt used up the whole schedule in seconds.
            var bounded = asked.map(
                    wait -> wait.compareTo(properties.maxRetryAfter()) > 0 ? properties.maxRetryAfter() : wait);
            if (bounded.isPresent() && bounded.get().compareTo(scheduled) > 0) {
                return bounded;
            }
        }
        return Optional.of(scheduled);
    }

    private Optional<Duration> retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        try {
            // Sent twice, its values come joined ("120, 120"): the first counts.
            var seconds = header.strip();
            int comma = seconds.indexOf(',');
            return Optional.of(Duration.ofSeconds(Long.parseLong(
                    comma < 0 ? seconds : seconds.substring(0, comma).strip())));
        } catch (NumberFormatException notSeconds) {
            try {
                var at = ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                return Optional.of(Duration.between(clock.instant(), at));
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }
}
