package dev.tempora.dispatch;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/** Dispatch lateness (start minus runAt) over a recent window, for stats and metrics. */
@Component
public class DispatchMetrics {

    private static final Duration MAX = Duration.ofDays(365);

    private final Timer lateness;

    DispatchMetrics(MeterRegistry registry) {
        this.lateness = Timer.builder("tempora.dispatch.lateness")
                .description("How long after its runAt a task started")
                .publishPercentiles(0.5, 0.99)
                .percentilePrecision(3)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                .distributionStatisticBufferLength(3)
                .register(registry);
    }

    void started(Duration late) {
        // Clamped: a start after a long outage must not overflow the nanosecond arithmetic.
        lateness.record(late.isNegative() ? Duration.ZERO : late.compareTo(MAX) > 0 ? MAX : late);
    }

    /** Lateness in milliseconds over roughly the last minute. */
    public Lateness lateness() {
        var snapshot = lateness.takeSnapshot();
        double p50 = 0;
        double p99 = 0;
        for (var percentile : snapshot.percentileValues()) {
            if (percentile.percentile() == 0.5) {
                p50 = percentile.value(TimeUnit.MILLISECONDS);
            } else if (percentile.percentile() == 0.99) {
                p99 = percentile.value(TimeUnit.MILLISECONDS);
            }
        }
        return new Lateness(p50, p99, snapshot.max(TimeUnit.MILLISECONDS), snapshot.count());
    }

    /** Lateness percentiles in milliseconds; {@code count} is the total number of starts recorded. */
    public record Lateness(double p50, double p99, double max, long count) {}
}
