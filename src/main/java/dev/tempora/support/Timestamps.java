package dev.tempora.support;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/**
 * Timestamps as the API writes and reads them: RFC 3339, UTC, written with microseconds (as stored)
 * always, so that two of them compare as text as they do in time.
 */
public final class Timestamps {

    private static final DateTimeFormatter WRITE = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 6, 6, true)
            .appendLiteral('Z')
            .toFormatter()
            .withZone(ZoneOffset.UTC);

    /**
     * RFC 3339's {@code date-time}: a four-digit year, seconds required (ISO-8601, and so {@link
     * OffsetDateTime#parse}, lets them out), a fraction of up to nine digits ({@link #toNanoseconds}
     * cuts longer ones), {@code Z} or an offset in hours and minutes; {@code T} and {@code Z} in
     * either case, as RFC 3339 allows.
     */
    private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            // Four digits, no sign: RFC 3339 has no other year, and a year of up to 19 digits
            // (+999999999) parsed, and then failed as a year in UTC with a 500.
            .appendValue(ChronoField.YEAR, 4)
            .appendPattern("-MM-dd'T'HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
            .optionalEnd()
            .appendOffset("+HH:MM", "Z")
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT);

    /** A fraction of more than nine digits, in a timestamp that has one; RFC 3339 sets no limit. */
    private static final Pattern LONG_FRACTION =
            Pattern.compile("^(.{19}\\.\\d{6})(\\d{3})(\\d+)(.*)$", Pattern.DOTALL);

    private Timestamps() {}

    /**
     * {@code text} with a fraction of more than nine digits cut to nine, which the parser reads,
     * and rounded up where the cut drops a part of a microsecond that nothing else kept: the
     * instant is rounded up to its microsecond anyway.
     */
    private static String toNanoseconds(String text) {
        var fraction = LONG_FRACTION.matcher(text);
        if (!fraction.matches()) {
            return text;
        }
        var nanos = fraction.group(2);
        if (nanos.equals("000") && !fraction.group(3).chars().allMatch(digit -> digit == '0')) {
            nanos = "001";
        }
        return fraction.group(1) + nanos + fraction.group(4);
    }

    /** As JDBC binds a {@code timestamp with time zone} the same on every database: in UTC. */
    public static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    /**
     * {@code 2026-11-22T10:00:00.250000Z}: six fraction digits, whatever they are. Written with as
     * few as needed, {@code 10:00:00.14193Z} came before {@code 10:00:00.141Z} as text.
     */
    public static String format(Instant instant) {
        return instant == null ? null : WRITE.format(instant);
    }

    /** {@code instant} rounded up to the microsecond, as instants are stored. */
    public static Instant upToMicros(Instant instant) {
        var micros = instant.truncatedTo(ChronoUnit.MICROS);
        return micros.isBefore(instant) ? micros.plus(1, ChronoUnit.MICROS) : micros;
    }

    /**
     * Reads an RFC 3339 timestamp with an offset ({@code Z} or {@code +01:00}).
     *
     * @throws IllegalArgumentException with a message fit for a client
     */
    public static Instant parse(String text) {
        try {
            // The years are those of the UTC time, as it is written back: 9999-12-31T23:59:59-01:00
            // is in the year 10000, which RFC 3339 cannot write.
            var parsed = OffsetDateTime.parse(toNanoseconds(text), READ).toInstant();
            // Stored to the microsecond: rounded up, so that no task starts before the instant sent.
            var time = upToMicros(parsed);
            int year = utc(time).getYear();
            if (year < 1 || year > 9999) {
                throw new IllegalArgumentException("must be between the years 0001 and 9999 (in UTC)");
            }
            return time;
        } catch (DateTimeParseException notRfc3339) {
            if (notRfc3339.getCause() instanceof DateTimeException) {
                // Written right, but no such time: February 30, 24:00, a leap second (not accepted), +25:00.
                throw new IllegalArgumentException("is not a date and time that exists (a day past its month's end,"
                        + " hour 24, second 60 or an offset beyond ±18:00)");
            }
            throw new IllegalArgumentException(
                    "must be an RFC 3339 timestamp with an offset, e.g. \"2026-11-22T10:00:00.250Z\"");
        }
    }
}
