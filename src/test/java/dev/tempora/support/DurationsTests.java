package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.tempora.Api;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DurationsTests {

    @Test
    void readsIsoStringsAndNumbersOfSeconds() {
        assertThat(Durations.fromJson(Api.json("\"PT1.5S\""))).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.fromJson(Api.json("1.5"))).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.fromJson(Api.json("0"))).isEqualTo(Duration.ZERO);
        assertThat(Durations.fromJson(Api.json("0.000001"))).isEqualTo(Duration.ofNanos(1000));
        assertThat(Durations.fromJson(Api.json("\"P1DT2H\""))).isEqualTo(Duration.ofHours(26));
        assertThat(Durations.parse("2.5")).isEqualTo(Duration.ofMillis(2500));
        assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("-1")).isEqualTo(Duration.ofSeconds(-1));
        // Negative ISO-8601 was read as a number, and refused as none.
        assertThat(Durations.parse("-PT1S")).isEqualTo(Duration.ofSeconds(-1));
        assertThat(Durations.fromJson(Api.json("\"-PT1S\""))).isEqualTo(Duration.ofSeconds(-1));
        // Below a nanosecond, away from zero: still positive (or negative).
        assertThat(Durations.fromJson(Api.json("1e-10"))).isEqualTo(Duration.ofNanos(1));
        assertThat(Durations.fromJson(Api.json("-1e-10"))).isEqualTo(Duration.ofNanos(-1));
        assertThat(Durations.parse("1.0000000001")).isEqualTo(Duration.ofNanos(1_000_000_001));
    }

    @Test
    void roundsFarBelowANanosecondWithoutComputingThePowerOfTen() {
        // setScale divided by 10^999999990: it overflowed, and 10^60000000 took seconds.
        assertThat(Durations.parse("1e-999999999")).isEqualTo(Duration.ofNanos(1));
        assertThat(Durations.parse("-1e-999999999")).isEqualTo(Duration.ofNanos(-1));
        assertThat(Durations.parse("0e-999999999")).isEqualTo(Duration.ZERO);
        assertThat(Durations.parse("1e-60000000")).isEqualTo(Duration.ofNanos(1));
        assertThat(Durations.parse("1.5e-9")).isEqualTo(Duration.ofNanos(2));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("1." + "0".repeat(999)));
    }

    @Test
    void refusesWhatIsNotADuration() {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.fromJson(Api.json("true")));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.fromJson(Api.json("\"soon\"")));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.fromJson(Api.json("1e30")));
        // Beyond double range: parsed as Infinity, which has no BigDecimal value.
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Durations.fromJson(Api.json("1e400")))
                .withMessage("is too long");
        // Negative beyond the range: each caller refuses a negative duration with its own message,
        // which "is too long" contradicted for a delay of -1e400.
        var farNegative = Duration.ofDays(100 * 365 + 24).negated();
        assertThat(Durations.fromJson(Api.json("-1e400"))).isEqualTo(farNegative);
        assertThat(Durations.fromJson(Api.json("-1e30"))).isEqualTo(farNegative);
        assertThat(Durations.parse("-" + "9".repeat(30))).isEqualTo(farNegative);
        assertThat(Durations.parse("-PT999999999H")).isEqualTo(farNegative);
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("1x"));
        // In JSON a number of seconds is a number; a query parameter has only text.
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Durations.fromJson(Api.json("\"1.5\"")))
                .withMessageContaining("not a number in a string");
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.fromJson(Api.json("\"-1\"")));
        // What a task stored before then reads again when it runs.
        assertThat(Durations.fromStoredJson(Api.json("\"1.5\""))).isEqualTo(Duration.ofMillis(1500));
        // Digits other than ASCII's, which BigDecimal reads (an Arabic-Indic one).
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("\u0661"));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("PT9999999999999H"));
        // Signs on its parts are Java's, not ISO 8601's: "-P-1D" was read as a day, "P1DT-1H" as 23 hours.
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("-P-1D"));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("P1DT-1H"));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("+PT1S"));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("PT+1S"));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Durations.fromJson(Api.json("\"-P-1D\"")))
                .withMessage(Durations.EXPECTED);
        // ISO 8601's decimal comma stays; and what a task stored before still reads as it did.
        assertThat(Durations.parse("PT1,5S")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.fromStoredJson(Api.json("\"-P-1D\""))).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void timestampsAlwaysHaveMicrosecondsAndSortAsText() {
        assertThat(Timestamps.format(Instant.parse("2026-11-22T10:00:00Z"))).isEqualTo("2026-11-22T10:00:00.000000Z");
        assertThat(Timestamps.format(Instant.parse("2026-11-22T10:00:00.25Z")))
                .isEqualTo("2026-11-22T10:00:00.250000Z");
        assertThat(Timestamps.format(Instant.parse("2026-11-22T10:00:00.123456Z")))
                .isEqualTo("2026-11-22T10:00:00.123456Z");
        assertThat(Timestamps.format(Instant.parse("2026-11-22T10:00:00.14193Z")))
                .isGreaterThan(Timestamps.format(Instant.parse("2026-11-22T10:00:00.141Z")));
        assertThat(Timestamps.parse("2026-11-22T11:00:00+01:00")).isEqualTo(Instant.parse("2026-11-22T10:00:00Z"));
        // The years 0001 to 9999 are checked in UTC, as the timestamp is written back.
        assertThat(Timestamps.parse("9999-12-31T23:59:59+01:00")).isEqualTo(Instant.parse("9999-12-31T22:59:59Z"));
        assertThat(Timestamps.parse("0001-01-01T00:00:00-01:00")).isEqualTo(Instant.parse("0001-01-01T01:00:00Z"));
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("9999-12-31T23:59:59-01:00"));
        // RFC 3339: seconds required, up to nine fraction digits, T and Z in either case.
        assertThat(Timestamps.parse("2026-11-22t10:00:00.123456789z"))
                .isEqualTo(Instant.parse("2026-11-22T10:00:00.123457Z"));
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("2026-11-22T10:00Z"));
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("2026-11-22T10:00:00.Z"));
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("2026-02-30T10:00:00Z"));
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("2026-11-22T10:00:00+0100"));
        // Four-digit years only: a signed one of nine digits parsed, then failed in UTC as a 500.
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("+002030-01-01T00:00:00Z"));
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("+999999999-12-31T23:59:59-18:00"));
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("-999999999-01-01T00:00:00+18:00"));
        // Stored to the microsecond, rounded up: a task never starts before the instant sent.
        assertThat(Timestamps.parse("2026-11-22T10:00:00.123456001Z"))
                .isEqualTo(Instant.parse("2026-11-22T10:00:00.123457Z"));
        assertThat(Timestamps.parse("2026-11-22T10:00:00.123456Z"))
                .isEqualTo(Instant.parse("2026-11-22T10:00:00.123456Z"));
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("0001-01-01T00:00:00+01:00"));
    }

    /** RFC 3339 and ISO 8601 set no limit on fraction digits; Java's parsers stop at nine (found by review). */
    @Test
    void fractionsOfMoreThanNineDigitsRoundUpToo() {
        assertThat(Timestamps.parse("2026-12-01T10:00:00.1234567891Z"))
                .isEqualTo(Instant.parse("2026-12-01T10:00:00.123457Z"));
        assertThat(Timestamps.parse("2026-12-01T10:00:00.123456000000001+01:00"))
                .isEqualTo(Instant.parse("2026-12-01T09:00:00.123457Z"));
        assertThat(Timestamps.parse("2026-12-01T10:00:00.1234560000000000Z"))
                .isEqualTo(Instant.parse("2026-12-01T10:00:00.123456Z"));
        assertThatIllegalArgumentException().isThrownBy(() -> Timestamps.parse("2026-12-01T10:00:00.1234567891"));

        assertThat(Durations.parse("PT1.0000000001S")).isEqualTo(Duration.ofSeconds(1, 1));
        assertThat(Durations.parse("-PT1.0000000001S")).isEqualTo(Duration.ofSeconds(-1, -1));
        assertThat(Durations.parse("PT0.0000000000S")).isEqualTo(Duration.ZERO);
        assertThat(Durations.parse("P1DT2.5000000000000s"))
                .isEqualTo(Duration.ofHours(24).plusMillis(2500));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("PT1.0000000001"));
        // Signs inside the ISO form, as stored by earlier versions (found by review).
        assertThat(Durations.fromStoredJson(Api.json("\"PT-1.0000000001S\""))).isEqualTo(Duration.ofSeconds(-1, -1));
        assertThat(Durations.fromStoredJson(Api.json("\"PT-0.0000000001S\""))).isEqualTo(Duration.ofNanos(-1));
        assertThat(Durations.fromStoredJson(Api.json("\"-PT-1.0000000001S\""))).isEqualTo(Duration.ofSeconds(1, 1));
    }
}
