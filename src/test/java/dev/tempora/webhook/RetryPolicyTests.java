package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.outbound.OutboundResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The waits between attempts: the schedule's, which a receiver's {@code Retry-After} on 429 or 503
 * can lengthen up to {@code max-retry-after} but never shorten (one answering "Retry-After: 1" to
 * every attempt used up a schedule meant to last 32 hours in 8 seconds).
 */
class RetryPolicyTests {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private final RetryPolicy policy = new RetryPolicy(
            new WebhookProperties(
                    null,
                    null,
                    Duration.ofSeconds(10),
                    List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofHours(2)),
                    0,
                    Duration.ofHours(1),
                    256,
                    128,
                    Duration.ofSeconds(5)),
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void withoutRetryAfterEachWaitIsTheSchedulesAndNoneIsLeftAfterTheLast() {
        assertThat(policy.nextWait(1, answer(500, null))).contains(Duration.ofSeconds(5));
        assertThat(policy.nextWait(2, null)).contains(Duration.ofMinutes(5));
        assertThat(policy.nextWait(3, answer(429, null))).contains(Duration.ofHours(2));
        assertThat(policy.nextWait(4, answer(500, null))).isEmpty();
    }

    @Test
    void aShorterRetryAfterDoesNotShortenTheWait() {
        assertThat(policy.nextWait(1, answer(429, "1"))).contains(Duration.ofSeconds(5));
        assertThat(policy.nextWait(2, answer(503, "0"))).contains(Duration.ofMinutes(5));
        assertThat(policy.nextWait(2, answer(503, httpDate(NOW.minusSeconds(30)))))
                .contains(Duration.ofMinutes(5));
    }

    @Test
    void aLongerRetryAfterLengthensTheWaitUpToItsBound() {
        assertThat(policy.nextWait(1, answer(429, "120"))).contains(Duration.ofMinutes(2));
        assertThat(policy.nextWait(1, answer(429, "120 , 300")))
                .as("sent twice")
                .contains(Duration.ofMinutes(2));
        assertThat(policy.nextWait(1, answer(503, httpDate(NOW.plusSeconds(600)))))
                .contains(Duration.ofMinutes(10));
        assertThat(policy.nextWait(1, answer(429, "86400"))).contains(Duration.ofHours(1));
        // Bounded below the schedule's own wait: the schedule's stands.
        assertThat(policy.nextWait(3, answer(429, "86400"))).contains(Duration.ofHours(2));
    }

    @Test
    void retryAfterCountsOnlyOn429And503AndWhenItCanBeRead() {
        assertThat(policy.nextWait(1, answer(500, "120"))).contains(Duration.ofSeconds(5));
        assertThat(policy.nextWait(1, answer(429, "soon"))).contains(Duration.ofSeconds(5));
    }

    private static OutboundResponse answer(int status, String retryAfter) {
        return new OutboundResponse(
                status, retryAfter == null ? Map.of() : Map.of("retry-after", retryAfter), new byte[0], null, false);
    }

    private static String httpDate(Instant at) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atOffset(ZoneOffset.UTC));
    }
}
