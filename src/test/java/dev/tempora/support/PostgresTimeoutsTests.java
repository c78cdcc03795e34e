package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The timeouts as the driver and the server take them: whole seconds, and milliseconds that fit an int. */
class PostgresTimeoutsTests {

    @Test
    void theDriversTimeoutIsRoundedUpToWholeSecondsAndHeldToAnInt() {
        assertThat(PostgresTimeouts.seconds(Duration.ZERO)).isZero();
        assertThat(PostgresTimeouts.seconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(PostgresTimeouts.seconds(Duration.ofSeconds(60))).isEqualTo(60);
        assertThat(PostgresTimeouts.seconds(Duration.ofMillis(60_001))).isEqualTo(61);
        assertThat(PostgresTimeouts.seconds(Duration.ofDays(100_000))).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void theServersTimeoutIsHeldToWhatItTakes() {
        // Over an int's worth of milliseconds (about 24 days), the server refuses every session.
        assertThat(PostgresTimeouts.millis(Duration.ofMinutes(1))).isEqualTo(60_000);
        assertThat(PostgresTimeouts.millis(Duration.ofDays(30))).isEqualTo(Integer.MAX_VALUE);
    }
}
