package dev.tempora.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * What the sender measures (see docs/observability.md): attempts by event and outcome and how long
 * they took, how long after its event the first attempt began, deliveries that ended, and the
 * attempts open now.
 */
@Component
class WebhookMetrics {

    /** What an attempt came to, as the {@code outcome} tag says it. */
    enum Outcome {
        /** The receiver answered 2xx. */
        DELIVERED,
        /** The receiver answered, with another status. */
        REJECTED,
        /** No answer: refused, unreachable or timed out. */
        NO_ANSWER,
        /**
         * No answer: the instance sending it was killed first. Counted by the instance that takes
         * its delivery over, since the one that sent it never can; it has no duration.
         */
        STOPPED;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    private static final Duration MAX = Duration.ofDays(365);

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Publishes the attempts open now, as {@code inFlight} counts them. */
    void inFlight(Supplier<Number> inFlight) {
        Gauge.builder("tempora.webhook.in.flight", inFlight)
                .description("Webhook attempts waiting for their receivers' answers")
                .baseUnit("attempts")
                .register(registry);
    }

    /** An attempt at a delivery of {@code event} came to {@code outcome} after {@code took}. */
    void attempted(String event, Outcome outcome, Duration took) {
        count(event, outcome);
        timers.computeIfAbsent(
                        "duration " + outcome,
                        key -> histogram(
                                "tempora.webhook.attempt.duration",
                                "How long webhook attempts took, from request to answer, by outcome",
                                Duration.ofMinutes(1),
                                "outcome",
                                outcome.tag))
                .record(clamped(took));
    }

    /** An attempt at a delivery of {@code event} was recorded as {@link Outcome#STOPPED}. */
    void stopped(String event) {
        count(event, Outcome.STOPPED);
    }

    private void count(String event, Outcome outcome) {
        counters.computeIfAbsent(
                        "attempts " + event + " " + outcome,
                        key -> Counter.builder("tempora.webhook.attempts")
                                .description("Webhook attempts, by event and outcome (delivered, rejected, no_answer,"
                                        + " stopped)")
                                .tags("event", event, "outcome", outcome.tag)
                                .register(registry))
                .increment();
    }

    /** The first attempt at a delivery of {@code event} began {@code delay} after the event. */
    void firstAttempt(String event, Duration delay) {
        timers.computeIfAbsent(
                        "delay " + event,
                        key -> histogram(
                                "tempora.webhook.first.attempt.delay",
                                "From a task's event to the first attempt to deliver it, by event",
                                Duration.ofHours(1),
                                "event",
                                event))
                .record(clamped(delay));
    }

    /** A delivery of {@code event} ended: {@code state} is SUCCEEDED or FAILED. */
    void ended(String event, String state) {
        var tag = state.toLowerCase(Locale.ROOT);
        counters.computeIfAbsent(
                        "ended " + event + " " + tag,
                        key -> Counter.builder("tempora.webhook.deliveries.ended")
                                .description("Webhook deliveries that ended, by event and state (succeeded, failed)")
                                .tags("event", event, "state", tag)
                                .register(registry))
                .increment();
    }

    private Timer histogram(String name, String description, Duration max, String tag, String value) {
        return Timer.builder(name)
                .description(description)
                .tags(tag, value)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(max)
                .register(registry);
    }

    private static Duration clamped(Duration duration) {
        return duration.isNegative() ? Duration.ZERO : duration.compareTo(MAX) > 0 ? MAX : duration;
    }
}
