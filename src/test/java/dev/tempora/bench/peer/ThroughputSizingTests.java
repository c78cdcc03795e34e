package dev.tempora.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The throughput workload's sizing of N from warm-ups: arithmetic only, no engine, no clock. */
class ThroughputSizingTests {

    private final ThroughputSizing sizing = new ThroughputSizing(1_000, 200_000, Duration.ofSeconds(3));

    @Test
    void nIsTheRateTimesTheTargetRoundedUpBetweenTheLeastAndTheMost() {
        assertThat(sizing.tasksFor(12_345)).isEqualTo(38_000);
        assertThat(sizing.tasksFor(100)).isEqualTo(1_000);
        assertThat(sizing.tasksFor(1_000_000)).isEqualTo(200_000);
        assertThat(sizing.tasksFor(Double.NaN)).isEqualTo(1_000);
        assertThat(sizing.tasks()).as("before any warm-up").isEqualTo(1_000);
    }

    @Test
    void aFastEngineWarmsUpAtTheNSizedSoFarUntilOneLastsLongEnough() {
        assertThat(sizing.nextWarmUp()).hasValue(250);
        // 250 tasks in 0.05 s: 5,000 tasks/s sizes N at 15,000, the next warm-up's size.
        sizing.warmedUp(250, 5_000, 0.05);
        assertThat(sizing.nextWarmUp()).hasValue(15_000);
        // Faster now: 15,000 in 1 s is well short of the 3 s, so again at the N it sizes.
        sizing.warmedUp(15_000, 15_000, 1.0);
        assertThat(sizing.nextWarmUp()).hasValue(45_000);
        // 45,000 in 2.5 s: at least 0.8 of the target, so N is settled.
        sizing.warmedUp(45_000, 18_000, 2.5);
        assertThat(sizing.nextWarmUp()).isEmpty();
        assertThat(sizing.tasks()).isEqualTo(54_000);
    }

    @Test
    void aMeasuredRunFarShorterThanTheTargetWasAWarmUpAfterAll() {
        // The rate stayed flat over two warm-ups (a cold JIT compiler), so N settled at 13,000...
        sizing.warmedUp(250, 781, 0.32);
        sizing.warmedUp(2_400, 4_210, 0.57);
        sizing.warmedUp(13_000, 4_234, 3.07);
        assertThat(sizing.nextWarmUp()).isEmpty();
        // ...and then the first measured run took 0.83 s, at 15,662 tasks/s: sized again from it.
        assertThat(sizing.resized(13_000, 15_662, 0.83)).hasValue(47_000);
        assertThat(sizing.tasks()).isEqualTo(47_000);
        // Half the target or more is a measured run; so is one at the most N.
        assertThat(sizing.resized(47_000, 30_000, 1.57)).isEmpty();
        var atTheMost = new ThroughputSizing(1_000, 20_000, Duration.ofSeconds(3));
        assertThat(atTheMost.resized(20_000, 40_000, 0.5)).isEmpty();
    }

    @Test
    void aRunIsSizedAgainAtMostTwiceAndNeverSmaller() {
        sizing.warmedUp(13_000, 4_234, 3.07);
        // A short run that was no faster than the warm-ups says nothing new.
        assertThat(sizing.resized(13_000, 4_000, 1.0)).isEmpty();
        assertThat(sizing.resized(13_000, 10_000, 1.3)).hasValue(30_000);
        assertThat(sizing.resized(30_000, 20_000, 1.4)).hasValue(60_000);
        assertThat(sizing.resized(60_000, 60_000, 1.0)).as("twice at most").isEmpty();
        assertThat(new ThroughputSizing(1_000, 200_000, Duration.ZERO).resized(1_000, 50_000, 0.02))
                .as("without a target, every engine keeps the common N")
                .isEmpty();
    }

    @Test
    void aSlowWarmUpDoesNotShrinkN() {
        sizing.warmedUp(250, 5_000, 0.05);
        sizing.warmedUp(15_000, 15_000, 1.0);
        // Something else took the machine: 45,000 in 4.5 s. Settled, at the highest rate.
        sizing.warmedUp(45_000, 10_000, 4.5);
        assertThat(sizing.nextWarmUp()).isEmpty();
        assertThat(sizing.tasks()).isEqualTo(45_000);
    }

    @Test
    void aSlowEngineGetsOneMoreSmallWarmUpAtTheLeastN() {
        // 250 tasks in 1 s: N at the least; the first run may just have been cold, so one more as small.
        sizing.warmedUp(250, 250, 1.0);
        assertThat(sizing.nextWarmUp()).hasValue(250);
        sizing.warmedUp(250, 300, 0.83);
        assertThat(sizing.nextWarmUp()).isEmpty();
        assertThat(sizing.tasks()).isEqualTo(1_000);
    }

    @Test
    void aFirstWarmUpThatLastsLongEnoughSettlesN() {
        // JobRunr polls every 5 s: its one warm-up lasts long enough however small.
        sizing.warmedUp(250, 50, 5.0);
        assertThat(sizing.nextWarmUp()).isEmpty();
        assertThat(sizing.tasks()).isEqualTo(1_000);
    }

    @Test
    void aWarmUpAtTheMostOrOneThatFailedSettlesN() {
        sizing.warmedUp(250, 500_000, 0.01);
        assertThat(sizing.nextWarmUp()).hasValue(200_000);
        sizing.warmedUp(200_000, 600_000, 0.33);
        assertThat(sizing.nextWarmUp()).isEmpty();

        var failing = new ThroughputSizing(1_000, 200_000, Duration.ofSeconds(3));
        failing.warmedUp(250, Double.NaN, Double.NaN);
        assertThat(failing.nextWarmUp()).isEmpty();
        assertThat(failing.tasks()).isEqualTo(1_000);
    }

    @Test
    void withoutATargetEveryEngineHasOneWarmUpOfHalfTheCommonN() {
        var fixed = new ThroughputSizing(1_000, 200_000, Duration.ZERO);

        assertThat(fixed.nextWarmUp()).hasValue(500);
        fixed.warmedUp(500, 50_000, 0.01);
        assertThat(fixed.nextWarmUp()).isEmpty();
        assertThat(fixed.tasks()).isEqualTo(1_000);
    }
}
