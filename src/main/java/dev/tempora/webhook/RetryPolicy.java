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

/** What follows a failed attempt: the configured schedule with jitter, or the receiver's Retry-After. */
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
        if (response != null && (response.status() == 429 || response.status() == 503)) {
            var asked = retryAfter(response.headers().get("retry-after"));
            if (asked.isPresent()) {
                // Honoured within bounds: never sooner than a second, never later than maxRetryAfter.
                return Optional.of(clamp(asked.get(), Duration.ofSeconds(1), properties.maxRetryAfter()));
            }
        }
        double factor =
                1 + properties.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Optional.of(Duration.ofNanos((long) (schedule.get(attempts - 1).toNanos() * factor)));
    }

    private Optional<Duration> retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(header.strip())));
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

    private static Duration clamp(Duration value, Duration min, Duration max) {
        return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
    }
}
