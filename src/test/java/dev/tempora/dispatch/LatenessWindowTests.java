package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The lateness window behind {@code /stats}: percentiles of the last minute or so, recorded without locks. */
class LatenessWindowTests {

    private final AtomicLong now = new AtomicLong(Duration.ofHours(5).toNanos());
    private final LatenessWindow window = new LatenessWindow(now::get);

    @Test
    void percentilesAndMaxOfWhatWasRecorded() {
        for (int i = 1; i <= 100; i++) {
            window.record(Duration.ofMillis(i));
        }

        var lateness = window.snapshot();
        assertThat(lateness.p50()).isCloseTo(50, within(1.0));
        assertThat(lateness.p99()).isCloseTo(99, within(1.0));
        assertThat(lateness.max()).isCloseTo(100, within(1.0));
        assertThat(lateness.recent()).isEqualTo(100);
        assertThat(lateness.count()).isEqualTo(100);
    }

    @Test
    void valuesOlderThanTheWindowAreForgottenButStillCounted() {
        window.record(Duration.ofSeconds(3));
        advance(LatenessWindow.SLICE);
        window.record(Duration.ofMillis(2));
        assertThat(window.snapshot().max()).as("a slice ago is still in").isCloseTo(3000, within(30.0));

        advance(LatenessWindow.SLICE.multipliedBy(LatenessWindow.SLICES - 1));
        window.record(Duration.ofMillis(1));
        var lateness = window.snapshot();
        assertThat(lateness.max()).isCloseTo(2, within(0.05));
        assertThat(lateness.recent()).isEqualTo(2);
        assertThat(lateness.count()).isEqualTo(3);

        advance(LatenessWindow.SLICE.multipliedBy(10));
        assertThat(window.snapshot().max()).as("nothing recent").isZero();
        assertThat(window.snapshot().recent()).as("nothing recent").isZero();
    }

    @Test
    void negativeAndHugeLatenessAreClamped() {
        window.record(Duration.ofMillis(-5));
        window.record(Duration.ofDays(400));

        var lateness = window.snapshot();
        assertThat(lateness.p50()).isZero();
        assertThat(lateness.max())
                .isCloseTo(
                        Duration.ofHours(1).toMillis(),
                        within(Duration.ofHours(1).toMillis() / 100.0));
    }

    private void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
    }
}
