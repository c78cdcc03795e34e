package dev.tempora.dispatch;

import dev.tempora.task.DueTask;
import dev.tempora.task.TaskState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * What the workers measure: dispatch lateness (start minus runAt) over a recent window, for stats,
 * and as meters (see docs/observability.md) the starts, the ends of runs by outcome and how long
 * runs took, by handler and pool, and the due tasks each pool handed back for other instances.
 */
@Component
public class DispatchMetrics {

    private static final Duration MAX = Duration.ofDays(365);

    private final MeterRegistry registry;
    private final Timer lateness;
    private final LatenessWindow recentLateness = new LatenessWindow();
    private final Map<Key, Counter> started = new ConcurrentHashMap<>();
    private final Map<Key, Counter> ended = new ConcurrentHashMap<>();
    private final Map<Key, Timer> durations = new ConcurrentHashMap<>();
    private final Map<String, Counter> handedBack = new ConcurrentHashMap<>();

    /** A meter's tags: handler, pool and (for ends) outcome; a few of them, so meters are cached. */
    private record Key(String handler, String pool, String outcome) {}

    DispatchMetrics(MeterRegistry registry, WorkerPools pools) {
        this.registry = registry;
        // No client-side percentiles here: their histogram locks as it records (LatenessWindow).
        this.lateness = Timer.builder("tempora.dispatch.lateness")
                .description("How long after its runAt a task started")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
        // Registered at once, so that the series reads 0 rather than missing until a first hand-back.
        pools.all().forEach(pool -> handedBack.computeIfAbsent(pool.name(), this::handedBackCounter));
    }

    void started(DueTask task, Duration late) {
        // Clamped: a start after a long outage must not overflow the nanosecond arithmetic.
        lateness.record(late.isNegative() ? Duration.ZERO : late.compareTo(MAX) > 0 ? MAX : late);
        recentLateness.record(late);
        started.computeIfAbsent(
                        new Key(task.handler(), task.pool(), null),
                        key -> Counter.builder("tempora.tasks.started")
                                .description("Tasks that started running, by handler and pool")
                                .tags("handler", key.handler(), "pool", key.pool())
                                .register(registry))
                .increment();
    }

    /** {@code count} due tasks of {@code pool} were handed back for other instances to run. */
    void handedBack(String pool, int count) {
        handedBack.computeIfAbsent(pool, this::handedBackCounter).increment(count);
    }

    private Counter handedBackCounter(String pool) {
        return Counter.builder("tempora.dispatch.handed.back")
                .description("Due tasks handed back for other instances, beyond what the workers start soon")
                .tag("pool", pool)
                .register(registry);
    }

    /** A run ended with {@code outcome} (SUCCEEDED or FAILED) after running {@code ran}. */
    void ended(DueTask task, TaskState outcome, Duration ran) {
        var key = new Key(task.handler(), task.pool(), outcome.name().toLowerCase(Locale.ROOT));
        ended.computeIfAbsent(key, this::endedCounter).increment();
        durations
                .computeIfAbsent(
                        key,
                        k -> Timer.builder("tempora.task.duration")
                                .description("How long runs took, by handler, pool and outcome")
                                .tags("handler", k.handler(), "pool", k.pool(), "outcome", k.outcome())
                                .publishPercentileHistogram()
                                .minimumExpectedValue(Duration.ofMillis(1))
                                .maximumExpectedValue(Duration.ofHours(1))
                                .register(registry))
                .record(ran.isNegative() ? Duration.ZERO : ran);
    }

    private Counter endedCounter(Key key) {
        return endedCounter(registry, key.handler(), key.pool(), key.outcome());
    }

    /**
     * The counter of tasks that ended with {@code outcome}: {@code succeeded} and {@code failed}
     * counted here as runs end, {@code cancelled} where cancels are seen.
     */
    public static Counter endedCounter(MeterRegistry registry, String handler, String pool, String outcome) {
        return Counter.builder("tempora.tasks.ended")
                .description("Tasks that ended, by handler, pool and outcome (succeeded, failed, cancelled)")
                .tags("handler", handler, "pool", pool, "outcome", outcome)
                .register(registry);
    }

    /** Lateness in milliseconds over roughly the last minute. */
    public Lateness lateness() {
        return recentLateness.snapshot();
    }

    /**
     * Lateness percentiles in milliseconds over the window, of its {@code recent} starts (none: the
     * percentiles are 0); {@code count} is the total number of starts recorded.
     */
    public record Lateness(double p50, double p99, double max, long recent, long count) {}
}
