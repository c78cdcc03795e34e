package dev.tempora.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The throughput workload's sizing of N from warm-ups: pure arithmetic, no engine, no clock. */
class ThroughputSizingTests {

    private final ThroughputSizing sizing = new ThroughputSizing(1_000, 200_000, Duration.ofSeconds(3));

    @Test
    void nIsTheRateTimesTheTargetRoundedUpBetweenTheLeastAndTheMost() {
        assertThat(sizing.tasksFor(12_345)).isEqualTo(38_000);
        assertThat(sizing.tasksFor(100)).isEqualTo(1_000);
        assertThat(sizing.tasksFor(1_000_000)).isEqualTo(200_000);
        assertThat(sizing.tasksFor(Double.NaN)).isEqualTo(1_000);
    }

    @Test
    void aFastEngineWarmsUpAtTheNItsLastWarmUpSizedUntilOneLastsLongEnough() {
        assertThat(sizing.firstWarmUp()).isEqualTo(250);
        // 250 tasks in 0.05 s: 5,000 tasks/s sizes N at 15,000, so the next warm-up is of 15,000.
        assertThat(sizing.nextWarmUp(250, 5_000, 0.05, true)).hasValue(15_000);
        // Faster now: 15,000 in 1 s is well short of the 3 s, so again at the N it sizes.
        assertThat(sizing.nextWarmUp(15_000, 15_000, 1.0, false)).hasValue(45_000);
        // 45,000 in 2.5 s: at least 0.8 of the target, so N (54,000) is settled.
        assertThat(sizing.nextWarmUp(45_000, 18_000, 2.5, false)).isEmpty();
    }

    @Test
    void aSlowEngineGetsOneMoreSmallWarmUpAtTheLeastN() {
        // 250 tasks in 1 s: N at the least; the first run may just have been cold, so one more as small.
        assertThat(sizing.nextWarmUp(250, 250, 1.0, true)).hasValue(250);
        assertThat(sizing.nextWarmUp(250, 300, 0.83, false)).isEmpty();
    }

    @Test
    void aLongCappedOrFailedWarmUpSettlesN() {
        // JobRunr polls every 5 s: its one warm-up lasts long enough however small.
        assertThat(sizing.nextWarmUp(250, 50, 5.0, true)).isEmpty();
        assertThat(sizing.nextWarmUp(200_000, 500_000, 0.4, false)).isEmpty();
        assertThat(sizing.nextWarmUp(250, Double.NaN, Double.NaN, true)).isEmpty();
    }

    @Test
    void withoutATargetEveryEngineHasOneWarmUpOfHalfTheCommonN() {
        var fixed = new ThroughputSizing(1_000, 200_000, Duration.ZERO);

        assertThat(fixed.firstWarmUp()).isEqualTo(500);
        assertThat(fixed.tasksFor(50_000)).isEqualTo(1_000);
        assertThat(fixed.nextWarmUp(500, 50_000, 0.01, true)).isEmpty();
    }
}
