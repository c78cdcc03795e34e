package dev.tempora.support;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Durations as clients write them: an ISO-8601 string ({@code "PT1.5S"}) or a number of seconds
 * ({@code 1.5}), as Python's {@code sched.enter(delay, ...)} takes.
 */
public final class Durations {

    /**
     * 100 years (36,524 days): longer than any sane delay or timeout, and in nanoseconds (about 292
     * years fit a long) safely inside a {@code long} and {@link java.time.Instant}'s range.
     */
    private static final Duration MAX = Duration.ofDays(100 * 365 + 24);

    /**
     * What a negative duration beyond the range reads as: every caller refuses a negative one with
     * its own message ("must be >= 0", "must be > 0"), which tells a client more than "is too
     * long" for a delay of {@code -1e400}.
     */
    private static final Duration FAR_NEGATIVE = MAX.negated();

    /** The longest number of seconds read from a string: Jackson's limit for a JSON number's text. */
    private static final int MAX_NUMBER_LENGTH = 1000;

    /** An ISO-8601 duration whose seconds have a fraction of more than nine digits. */
    private static final Pattern LONG_FRACTION = Pattern.compile("^(.*[.,]\\d{9})(\\d+)([sS])$");

    public static final String EXPECTED =
            "must be an ISO-8601 duration in days, hours, minutes and seconds (PnDTnHnMn.nS,"
                    + " such as \"PT1.5S\" or \"P1DT12H\"; not years, months or weeks) or a number of seconds";

    private Durations() {}

    /**
     * Reads a duration from JSON.
     *
     * @throws IllegalArgumentException with a message fit for a client when it is not a duration
     */
    public static Duration fromJson(JsonNode node) {
        if (node.isString() && isNumber(node.asString().strip())) {
            // JSON has a number type, and the API takes seconds as one: a string "1.5" is more
            // likely a client's mistake (a number quoted by a template, say) than a duration.
            throw new IllegalArgumentException(
                    "must be a JSON number of seconds (1.5) or an ISO-8601 string (\"PT1.5S\"), not a number in a string");
        }
        return read(node, true);
    }

    /**
     * Reads a duration from JSON stored before: as {@link #fromJson}, and a number in a string, or
     * signs inside the ISO-8601 form, too, which versions before 2026-12-06 accepted. For what a
     * task reads again when it runs.
     *
     * @throws IllegalArgumentException with a message fit for a client when it is not a duration
     */
    public static Duration fromStoredJson(JsonNode node) {
        return read(node, false);
    }

    private static Duration read(JsonNode node, boolean strict) {
        if (node.isNumber()) {
            // A number beyond double range (1e400) may be read as an infinite double, which has no
            // BigDecimal value: it is beyond the range either way.
            if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
                return beyondRange(node.doubleValue() < 0);
            }
            return ofSeconds(node.decimalValue());
        }
        if (node.isString()) {
            return parse(node.asString(), strict);
        }
        throw new IllegalArgumentException(EXPECTED);
    }

    /**
     * Reads a duration from a query parameter: ISO-8601 or a plain number of seconds.
     *
     * @throws IllegalArgumentException with a message fit for a client when it is not a duration
     */
    public static Duration parse(String text) {
        return parse(text, true);
    }

    /**
     * As {@link #parse(String)}; {@code strict} refuses signs inside the ISO-8601 form, which
     * {@link Duration#parse} reads ({@code "-P-1D"} is a day) and versions before 2026-12-06 took.
     */
    private static Duration parse(String text, boolean strict) {
        var trimmed = text.strip();
        if (isNumber(trimmed)) {
            // As long as a JSON number may be: rounding a million digits took 13 s of a request thread.
            if (trimmed.length() > MAX_NUMBER_LENGTH) {
                throw new IllegalArgumentException("is a number of more than " + MAX_NUMBER_LENGTH + " characters");
            }
            try {
                return ofSeconds(new BigDecimal(trimmed));
            } catch (NumberFormatException notANumber) {
                throw new IllegalArgumentException(EXPECTED);
            }
        }
        // ISO 8601-2 signs a duration as a whole, before its P ("-PT1S", refused later as negative
        // where it must not be); a sign on a part, or a "+", is Java's extension.
        if (strict && (trimmed.lastIndexOf('-') > 0 || trimmed.indexOf('+') >= 0)) {
            throw new IllegalArgumentException(EXPECTED);
        }
        try {
            // Duration.parse reads at most nine fraction digits; ISO 8601 sets no limit. The rest
            // rounds away from zero, as a number's does.
            var fraction = LONG_FRACTION.matcher(trimmed);
            if (fraction.matches()) {
                var cut = Duration.parse(fraction.group(1) + fraction.group(3));
                boolean dropsSome = !fraction.group(2).chars().allMatch(digit -> digit == '0');
                // Negative as a whole ("-PT…"), or its seconds (Java's "PT-1.5S", read from storage).
                boolean negative = trimmed.startsWith("-") != fraction.group(1).matches(".*-\\d+[.,]\\d{9}");
                return bounded(dropsSome ? cut.plusNanos(negative ? -1 : 1) : cut);
            }
            return bounded(Duration.parse(trimmed));
        } catch (DateTimeParseException | ArithmeticException notIso) {
            throw new IllegalArgumentException(EXPECTED);
        }
    }

    /** Whether {@code text} is written as a number of seconds rather than ISO-8601 ({@code -PT1S}). */
    private static boolean isNumber(String text) {
        int digit = text.startsWith("-") ? 1 : 0;
        // ASCII digits only: Character.isDigit takes Arabic-Indic and other digits, which BigDecimal reads.
        return text.length() > digit && text.charAt(digit) >= '0' && text.charAt(digit) <= '9';
    }

    private static Duration ofSeconds(BigDecimal seconds) {
        if (seconds.abs().compareTo(BigDecimal.valueOf(MAX.getSeconds())) > 0) {
            return beyondRange(seconds.signum() < 0);
        }
        // MAX in nanoseconds fits a long, so this cannot overflow. Rounded away from zero: a
        // fraction of a nanosecond keeps its sign (a timeout of 1e-10 s is positive, and is rounded
        // up to a millisecond like any other sub-millisecond timeout; cut to zero, it was refused).
        var nanos = seconds.movePointRight(9);
        // Rounding divides by ten to the power of the scale: 1e-60000000 took many seconds of CPU and
        // 1e-999999999 overflowed. Below one nanosecond the answer is known without it.
        if (nanos.signum() == 0) {
            return Duration.ZERO;
        }
        if (nanos.abs().compareTo(BigDecimal.ONE) < 0) {
            return Duration.ofNanos(nanos.signum());
        }
        return Duration.ofNanos(nanos.setScale(0, RoundingMode.UP).longValueExact());
    }

    private static Duration bounded(Duration duration) {
        return duration.abs().compareTo(MAX) > 0 ? beyondRange(duration.isNegative()) : duration;
    }

    /** A duration beyond the range: {@link #FAR_NEGATIVE} if negative, else refused as too long. */
    private static Duration beyondRange(boolean negative) {
        if (negative) {
            return FAR_NEGATIVE;
        }
        throw new IllegalArgumentException("is too long");
    }
}
